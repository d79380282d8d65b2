import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Bot, CircleAlert, CirclePause, CirclePlay, Hourglass, ShieldX } from 'lucide-react';
import type { AdminOverview } from '@paddock/protocol';
import { overviewCountersQuery } from '../../api/overview';
import { Card } from '../../components/Card';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Skeleton } from '../../components/Skeleton';
import { cn } from '../../components/cn';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function Counter({ label, value, detail, icon, tone }: { label: string; value: number; detail?: ReactNode; icon: ReactNode; tone?: 'danger' | 'warning' }) {
  return (
    <Card className="px-4 py-3" data-testid="overview-counter">
      <div className="flex items-center gap-2 text-xs font-medium text-zinc-500">
        {icon}
        <span>{label}</span>
      </div>
      <p className={cn('mt-1 text-2xl font-semibold text-zinc-900 tabular-nums', value > 0 && tone === 'danger' && 'text-red-600', value > 0 && tone === 'warning' && 'text-amber-600')}
        aria-label={`${label}: ${value}`}>
        {value}
      </p>
      {detail && <p className="mt-0.5 text-xs text-zinc-500">{detail}</p>}
    </Card>
  );
}

function counters(o: AdminOverview) {
  const icon = 'size-3.5';
  return [
    { label: 'Running', value: o.workspaces.running, icon: <CirclePlay className={cn(icon, 'text-emerald-600')} aria-hidden />,
      detail: o.workspaces.changing > 0 ? `${o.workspaces.changing} starting or stopping` : 'workspaces' },
    { label: 'Stopped', value: o.workspaces.stopped, icon: <CirclePause className={icon} aria-hidden />, detail: 'workspaces' },
    { label: 'Failed', value: o.workspaces.failed, icon: <CircleAlert className={cn(icon, 'text-red-600')} aria-hidden />, detail: 'workspaces', tone: 'danger' as const },
    { label: 'Agents connected', value: o.agents.connected, icon: <Bot className={icon} aria-hidden />, detail: `of ${plural(o.agents.total, 'agent')}`,
      ...(o.agents.connected < o.agents.total ? { tone: 'warning' as const } : {}) },
    { label: 'Waiting for approval', value: o.pendingApprovals.total, icon: <Hourglass className={icon} aria-hidden />, tone: 'warning' as const,
      detail: `${o.pendingApprovals.publishRequests} to publish, ${plural(o.pendingApprovals.heldActions, 'held action')}` },
    { label: 'Blocked sign-ins today', value: o.blockedSignIns.total, icon: <ShieldX className={icon} aria-hidden />, tone: 'danger' as const,
      detail: `${o.blockedSignIns.failedSignIns} refused, ${o.blockedSignIns.ipBlocked} by IP allowlist, since 00:00 UTC` },
  ];
}

/** The counters at the top of the overview, kept live by the event stream and a slow poll. */
export function OverviewCounters() {
  const overview = useQuery(overviewCountersQuery());
  if (overview.isError && !overview.data) return <ErrorBanner title="Could not load the counters" error={overview.error} onRetry={() => void overview.refetch()} />;
  return (
    <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 xl:grid-cols-6" aria-busy={overview.isPending || undefined}>
      {overview.data
        ? counters(overview.data).map((c) => <Counter key={c.label} {...c} />)
        : Array.from({ length: 6 }, (_, i) => <Skeleton key={i} className="h-[88px] rounded-lg" />)}
    </div>
  );
}
