import { Link, Outlet } from '@tanstack/react-router';
import { Activity, Bot, Boxes, Fingerprint, Gauge, Globe, Hourglass, LayoutDashboard, LayoutTemplate, Network, Palette, ScrollText, ShieldCheck, Users, Workflow, Eye } from 'lucide-react';
import type { ReactNode } from 'react';
import { PageContainer } from '../../components/PageContainer';
import { useCanManage } from '../auth/permissions';

type AdminPath =
  | '/admin/overview'
  | '/admin/members'
  | '/admin/blueprints'
  | '/admin/audit'
  | '/admin/sso'
  | '/admin/scim'
  | '/admin/ip-allowlist'
  | '/admin/policies'
  | '/admin/agents'
  | '/admin/governance'
  | '/admin/governance/activity'
  | '/admin/governance/approvals'
  | '/admin/apps'
  | '/admin/workspaces'
  | '/admin/branding';

const items: Array<{ to: AdminPath; label: string; icon: ReactNode; exact?: boolean }> = [
  { to: '/admin/overview', label: 'Overview', icon: <LayoutDashboard className="size-4" aria-hidden /> },
  { to: '/admin/members', label: 'Members', icon: <Users className="size-4" aria-hidden /> },
  { to: '/admin/workspaces', label: 'Workspaces', icon: <Boxes className="size-4" aria-hidden /> },
  { to: '/admin/blueprints', label: 'Blueprints', icon: <LayoutTemplate className="size-4" aria-hidden /> },
  { to: '/admin/policies', label: 'Resource policies', icon: <Gauge className="size-4" aria-hidden /> },
  { to: '/admin/governance', label: 'Agent governance', icon: <ShieldCheck className="size-4" aria-hidden />, exact: true },
  { to: '/admin/governance/activity', label: 'Agent activity', icon: <Activity className="size-4" aria-hidden /> },
  { to: '/admin/governance/approvals', label: 'Approvals', icon: <Hourglass className="size-4" aria-hidden /> },
  { to: '/admin/apps', label: 'Published apps', icon: <Globe className="size-4" aria-hidden /> },
  { to: '/admin/audit', label: 'Audit log', icon: <ScrollText className="size-4" aria-hidden /> },
  { to: '/admin/branding', label: 'Branding', icon: <Palette className="size-4" aria-hidden /> },
  { to: '/admin/sso', label: 'Sign-in & SSO', icon: <Fingerprint className="size-4" aria-hidden /> },
  { to: '/admin/scim', label: 'Provisioning (SCIM)', icon: <Workflow className="size-4" aria-hidden /> },
  { to: '/admin/ip-allowlist', label: 'IP allowlist', icon: <Network className="size-4" aria-hidden /> },
  { to: '/admin/agents', label: 'Runtime agents', icon: <Bot className="size-4" aria-hidden /> },
];

const itemClass =
  'flex items-center gap-2 rounded-md px-3 py-2 text-sm font-medium whitespace-nowrap text-zinc-600 transition-colors hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-accent-ring';

/** The admin area: a side navigation (a strip on small screens) and the page. */
export function AdminLayout() {
  const canManage = useCanManage();
  return (
    <PageContainer className="lg:flex lg:gap-8">
      <aside className="mb-6 lg:mb-0 lg:w-52 lg:shrink-0">
        <p className="mb-2 hidden px-3 text-xs font-medium tracking-wide text-zinc-400 uppercase lg:block">Admin</p>
        <nav aria-label="Admin" className="-mx-1 flex gap-1 overflow-x-auto px-1 pb-1 lg:flex-col lg:overflow-visible">
          {items.map((item) => (
            <Link key={item.to} to={item.to} activeOptions={{ exact: item.exact ?? false }} className={itemClass} activeProps={{ className: 'bg-white text-accent-text shadow-xs ring-1 ring-zinc-200' }}>
              {item.icon}
              {item.label}
            </Link>
          ))}
        </nav>
        {!canManage && (
          <p className="mt-4 hidden items-start gap-2 rounded-md border border-zinc-200 bg-white px-3 py-2 text-xs text-zinc-500 lg:flex">
            <Eye className="mt-0.5 size-3.5 shrink-0" aria-hidden />
            You have read-only access as an auditor.
          </p>
        )}
      </aside>
      <div className="min-w-0 flex-1">
        <Outlet />
      </div>
    </PageContainer>
  );
}

/** For auditors, in place of the write buttons: says nothing here can be changed. */
export function ReadOnlyBadge() {
  return (
    <span className="inline-flex items-center gap-1.5 rounded-full bg-zinc-100 px-2.5 py-1 text-xs font-medium text-zinc-600 ring-1 ring-zinc-200 ring-inset">
      <Eye className="size-3.5" aria-hidden />
      Read-only
    </span>
  );
}
