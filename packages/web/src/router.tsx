import { useQuery, type QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  Outlet,
  redirect,
} from '@tanstack/react-router';
import { meQuery } from './api/auth';
import { AdminLayout } from './modules/admin/AdminLayout';
import { canSeeAdmin } from './modules/auth/permissions';
import { AppShell } from './modules/dashboard/AppShell';
import { AccountPage } from './pages/AccountPage/AccountPage';
import { AdminOverviewPage, overviewViews, type OverviewView } from './pages/AdminOverviewPage/AdminOverviewPage';
import { AdminBlueprintPage } from './pages/AdminBlueprintPage/AdminBlueprintPage';
import { AdminBlueprintsPage } from './pages/AdminBlueprintsPage/AdminBlueprintsPage';
import { AgentsPage } from './pages/AgentsPage/AgentsPage';
import { AppOpenPage } from './pages/AppOpenPage/AppOpenPage';
import { AppsPage } from './pages/AppsPage/AppsPage';
import { AdminWorkspacesPage } from './pages/AdminWorkspacesPage/AdminWorkspacesPage';
import { ApprovalsPage } from './pages/ApprovalsPage/ApprovalsPage';
import { AuditLogPage } from './pages/AuditLogPage/AuditLogPage';
import { GovernanceFeedPage } from './pages/GovernanceFeedPage/GovernanceFeedPage';
import { GovernancePage } from './pages/GovernancePage/GovernancePage';
import { InvitePage } from './pages/InvitePage/InvitePage';
import { IpAllowlistPage } from './pages/IpAllowlistPage/IpAllowlistPage';
import { PoliciesPage } from './pages/PoliciesPage/PoliciesPage';
import { UsagePage } from './pages/UsagePage/UsagePage';
import { MembersPage } from './pages/MembersPage/MembersPage';
import { ResetPasswordPage } from './pages/ResetPasswordPage/ResetPasswordPage';
import { ScimPage } from './pages/ScimPage/ScimPage';
import { SsoSettingsPage } from './pages/SsoSettingsPage/SsoSettingsPage';
import { BlueprintsPage } from './pages/BlueprintsPage/BlueprintsPage';
import { LoginPage } from './pages/LoginPage/LoginPage';
import { BrandingPage } from './pages/BrandingPage/BrandingPage';
import { NotFoundPage } from './pages/NotFoundPage/NotFoundPage';
import { WorkspacePage } from './pages/WorkspacePage/WorkspacePage';
import { WorkspacesPage } from './pages/WorkspacesPage/WorkspacesPage';
import { FullPageError, FullPageSpinner } from './components/FullPage';

interface RouterContext {
  queryClient: QueryClient;
}

/** An address no route matches: inside the app's frame for someone signed in, so the navigation stays. */
function RootNotFound() {
  const { data: me } = useQuery(meQuery());
  return me ? <AppShell><NotFoundPage /></AppShell> : <NotFoundPage />;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: RootNotFound,
  errorComponent: ({ error }) => <FullPageError error={error} />,
  pendingComponent: FullPageSpinner,
});

interface LoginSearch {
  redirect?: string;
  /** Set by the SSO callback when a sign-in was refused. */
  error?: string;
}

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  validateSearch: (search: Record<string, unknown>): LoginSearch => ({
    ...(typeof search.redirect === 'string' ? { redirect: search.redirect } : {}),
    ...(typeof search.error === 'string' ? { error: search.error } : {}),
  }),
  beforeLoad: async ({ context }) => {
    const me = await context.queryClient.ensureQueryData(meQuery());
    if (me) throw redirect({ to: '/' });
  },
  component: function LoginRoute() {
    const { redirect: to, error } = loginRoute.useSearch();
    return <LoginPage redirect={to} error={error} />;
  },
});

/** Public: accepting an invite link (`/invite#<token>`) creates the account. */
const inviteRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/invite',
  component: InvitePage,
});

/** Public: a password reset link (`/reset-password#<token>`) sets a new password. */
const resetPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/reset-password',
  component: ResetPasswordPage,
});

/** Everything under it needs a session; without one, the sign-in page. */
const authenticatedRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'authenticated',
  beforeLoad: async ({ context, location }) => {
    const me = await context.queryClient.ensureQueryData(meQuery());
    if (!me) {
      throw redirect({
        to: '/login',
        search: location.href === '/' ? {} : { redirect: location.href },
      });
    }
  },
  component: AppShell,
  notFoundComponent: NotFoundPage,
});

const blueprintsRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: '/',
  component: BlueprintsPage,
});

const workspacesRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: '/workspaces',
  component: WorkspacesPage,
});

const workspaceRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: '/workspaces/$workspaceId',
  component: function WorkspaceRoute() {
    const { workspaceId } = workspaceRoute.useParams();
    // Keyed so that moving between workspaces starts a fresh page (and terminal).
    return <WorkspacePage key={workspaceId} workspaceId={workspaceId} />;
  },
});

const usageRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: '/usage',
  component: UsagePage,
});
/** An "everyone signed in" app sends visitors here to be signed in to it (publish/appProxy.ts). */
const appOpenRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: '/apps/open/$subdomain',
  validateSearch: (search: Record<string, unknown>): { path?: string } => (typeof search.path === 'string' ? { path: search.path } : {}),
  component: function AppOpenRoute() {
    const { subdomain } = appOpenRoute.useParams();
    const { path } = appOpenRoute.useSearch();
    return <AppOpenPage subdomain={subdomain} path={path ?? '/'} />;
  },
});
const accountRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: '/account',
  component: AccountPage,
});

/** Admins and auditors only; the API enforces it too, this only keeps builders out of empty pages. */
const adminRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: '/admin',
  beforeLoad: async ({ context }) => {
    const me = await context.queryClient.ensureQueryData(meQuery());
    if (!canSeeAdmin(me?.user.role)) throw redirect({ to: '/' });
  },
  component: AdminLayout,
});

const adminIndexRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/admin/overview' });
  },
});

const adminOverviewRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/overview',
  validateSearch: (search: Record<string, unknown>): { view?: OverviewView } =>
    (overviewViews as readonly unknown[]).includes(search.view) && search.view !== 'topology' ? { view: search.view as OverviewView } : {},
  component: function AdminOverviewRoute() {
    const { view } = adminOverviewRoute.useSearch();
    const navigate = adminOverviewRoute.useNavigate();
    return <AdminOverviewPage view={view ?? 'topology'} onView={(next) => void navigate({ search: next === 'topology' ? {} : { view: next }, replace: true })} />;
  },
});
const adminMembersRoute = createRoute({ getParentRoute: () => adminRoute, path: '/members', component: MembersPage });
const adminBlueprintsRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/blueprints',
  component: AdminBlueprintsPage,
});
const adminBlueprintRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/blueprints/$blueprintId',
  component: function AdminBlueprintRoute() {
    const { blueprintId } = adminBlueprintRoute.useParams();
    return <AdminBlueprintPage key={blueprintId} blueprintId={blueprintId} />;
  },
});
const adminAuditRoute = createRoute({ getParentRoute: () => adminRoute, path: '/audit', component: AuditLogPage });
const adminSsoRoute = createRoute({ getParentRoute: () => adminRoute, path: '/sso', component: SsoSettingsPage });
const adminBrandingRoute = createRoute({ getParentRoute: () => adminRoute, path: '/branding', component: BrandingPage });
const adminScimRoute = createRoute({ getParentRoute: () => adminRoute, path: '/scim', component: ScimPage });
const adminIpAllowlistRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/ip-allowlist',
  component: IpAllowlistPage,
});
const adminPoliciesRoute = createRoute({ getParentRoute: () => adminRoute, path: '/policies', component: PoliciesPage });
const adminAgentsRoute = createRoute({ getParentRoute: () => adminRoute, path: '/agents', component: AgentsPage });
const adminGovernanceRoute = createRoute({ getParentRoute: () => adminRoute, path: '/governance', component: GovernancePage });
const adminGovernanceFeedRoute = createRoute({ getParentRoute: () => adminRoute, path: '/governance/activity', component: GovernanceFeedPage });
const adminApprovalsRoute = createRoute({ getParentRoute: () => adminRoute, path: '/governance/approvals', component: ApprovalsPage });
const adminAppsRoute = createRoute({ getParentRoute: () => adminRoute, path: '/apps', component: AppsPage });
const adminWorkspacesRoute = createRoute({ getParentRoute: () => adminRoute, path: '/workspaces', component: AdminWorkspacesPage });
/** The security dashboard is a view of the overview; this address stays for links and bookmarks. */
const adminSecurityRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/security',
  beforeLoad: () => {
    throw redirect({ to: '/admin/overview', search: { view: 'security' } });
  },
});

const routeTree = rootRoute.addChildren([
  loginRoute,
  inviteRoute,
  resetPasswordRoute,
  authenticatedRoute.addChildren([
    blueprintsRoute,
    workspacesRoute,
    workspaceRoute,
    usageRoute,
    accountRoute,
    appOpenRoute,
    adminRoute.addChildren([
      adminIndexRoute,
      adminOverviewRoute,
      adminMembersRoute,
      adminBlueprintsRoute,
      adminBlueprintRoute,
      adminAuditRoute,
      adminSsoRoute,
      adminScimRoute,
      adminIpAllowlistRoute,
      adminPoliciesRoute,
      adminAgentsRoute,
      adminGovernanceRoute,
      adminGovernanceFeedRoute,
      adminApprovalsRoute,
      adminAppsRoute,
      adminWorkspacesRoute,
      adminSecurityRoute,
      adminBrandingRoute,
    ]),
  ]),
]);

export function createAppRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: 'intent',
    defaultPreloadStaleTime: 0,
    scrollRestoration: true,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
