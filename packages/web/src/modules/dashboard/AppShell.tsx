import { useEffect, useRef, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router';
import { LogOut, Shield } from 'lucide-react';
import { forgetSession, logoutMutation, meQuery } from '../../api/auth';
import { useBranding } from '../../api/branding';
import { useWorkspaceEvents } from '../../api/events';
import { Button } from '../../components/Button';
import { Logo } from '../../components/Logo';
import { cn } from '../../components/cn';
import { canSeeAdmin } from '../auth/permissions';
import { KillSwitchBanner } from '../governance/KillSwitch';

const navLinkClass =
  'rounded-md px-2 py-1.5 text-sm font-medium whitespace-nowrap sm:px-3 text-zinc-600 transition-colors hover:bg-zinc-100 hover:text-zinc-900';

/** The signed-in frame: top bar, navigation, live events, and the page (the route's, unless given). */
export function AppShell({ children }: { children?: ReactNode }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { data: me } = useQuery(meQuery());
  const brand = useBranding();
  // A workspace page spans the whole screen; its top bar lines up with it.
  const fullWidth = useRouterState({ select: (s) => s.location.pathname.startsWith('/workspaces/') });
  // The person by name; their email only when they have none.
  const who = me ? me.user.name.trim() || me.user.email : '';
  const signingOut = useRef(false);
  const logout = useMutation({
    mutationFn: logoutMutation(queryClient).mutationFn,
    onMutate: () => {
      signingOut.current = true;
    },
    onSettled: (result) => {
      forgetSession(queryClient);
      // A session from SSO also ends at the identity provider, which sends the browser back to /login.
      if (result?.redirectTo) window.location.assign(result.redirectTo);
      else void navigate({ to: '/login', search: {} });
    },
  });

  useWorkspaceEvents();

  // The session ended elsewhere (expired, signed out in another tab).
  useEffect(() => {
    if (me === null && !signingOut.current) {
      void navigate({ to: '/login', search: { redirect: currentPath() } });
    }
  }, [me, navigate]);

  return (
    <div className="flex min-h-screen flex-col bg-zinc-50">
      <header className="sticky top-0 z-20 border-b border-zinc-200 bg-white/90 backdrop-blur">
        <div className={cn('mx-auto flex h-14 items-center gap-3 px-4 sm:gap-6 sm:px-6', fullWidth ? 'w-full' : 'max-w-7xl')}>
          <Link to="/" className="flex items-center gap-2 text-zinc-900" aria-label={`${brand.name} home`}>
            <Logo />
            <span className="hidden text-[15px] font-semibold tracking-tight sm:inline" data-testid="brand-name">{brand.name}</span>
          </Link>
          <nav aria-label="Main" className="flex items-center gap-0.5 sm:gap-1">
            <Link
              to="/"
              activeOptions={{ exact: true }}
              className={navLinkClass}
              activeProps={{ className: 'bg-accent-soft text-accent-text' }}
            >
              Blueprints
            </Link>
            <Link
              to="/workspaces"
              className={navLinkClass}
              activeProps={{ className: 'bg-accent-soft text-accent-text' }}
            >
              My workspaces
            </Link>
            <Link
              to="/usage"
              className={navLinkClass}
              activeProps={{ className: 'bg-accent-soft text-accent-text' }}
            >
              Usage
            </Link>
            {canSeeAdmin(me?.user.role) && (
              <Link
                to="/admin"
                className={navLinkClass}
                activeProps={{ className: 'bg-accent-soft text-accent-text' }}
                data-testid="nav-admin"
              >
                <span className="inline-flex items-center gap-1.5">
                  <Shield className="hidden size-3.5 sm:block" aria-hidden />
                  Admin
                </span>
              </Link>
            )}
          </nav>
          <div className="ml-auto flex items-center gap-1 sm:gap-3">
            {me && (
              <Link
                to="/account"
                className="flex items-center gap-2 rounded-md px-1.5 py-1 text-sm text-zinc-600 transition-colors hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-accent-ring"
                activeProps={{ className: 'bg-accent-soft text-accent-text' }}
                aria-label={`My account (${who})`}
                title={me.user.email}
                data-testid="user-email"
              >
                <span
                  aria-hidden
                  className="flex size-7 items-center justify-center rounded-full bg-zinc-900 text-xs font-semibold text-white uppercase"
                >
                  {who.slice(0, 1)}
                </span>
                <span className="hidden max-w-48 truncate sm:inline" data-testid="user-name">{who}</span>
              </Link>
            )}
            <Button
              variant="ghost"
              size="sm"
              icon={<LogOut className="size-3.5" aria-hidden />}
              loading={logout.isPending}
              onClick={() => logout.mutate()}
            >
              <span className="sr-only sm:not-sr-only">Sign out</span>
            </Button>
          </div>
        </div>
        <KillSwitchBanner />
      </header>
      <main className="flex min-h-0 flex-1 flex-col">
        {children ?? <Outlet />}
      </main>
    </div>
  );
}

export function currentPath(): string {
  return window.location.pathname + window.location.search;
}
