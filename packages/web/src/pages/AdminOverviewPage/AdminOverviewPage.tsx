import { ChartGantt, Network, ShieldAlert } from 'lucide-react';
import type { ReactNode } from 'react';
import { Card } from '../../components/Card';
import { PageHeader } from '../../components/PageHeader';
import { cn } from '../../components/cn';
import { SecurityDashboard } from '../../modules/security/SecurityDashboard';
import { OverviewCounters } from './OverviewCounters';
import { TimelineView } from './TimelineView';
import { TopologyView } from './TopologyView';

/** The overview's views, in the URL (`?view=`) so that each can be linked to. The security dashboard is cards of its own. */
export const overviewViews = ['topology', 'timeline', 'security'] as const;
export type OverviewView = (typeof overviewViews)[number];
const views: Record<OverviewView, { label: string; icon: ReactNode; framed: boolean; render: () => ReactNode }> = {
  topology: { label: 'Topology', icon: <Network className="size-4" aria-hidden />, framed: true, render: () => <TopologyView /> },
  timeline: { label: 'Timeline', icon: <ChartGantt className="size-4" aria-hidden />, framed: true, render: () => <TimelineView /> },
  security: { label: 'Security', icon: <ShieldAlert className="size-4" aria-hidden />, framed: false, render: () => <SecurityDashboard /> },
};

/** Admin → Overview: live counters, then one view at a time. */
export function AdminOverviewPage({ view, onView }: { view: OverviewView; onView: (view: OverviewView) => void }) {
  const shown = views[view];
  return (
    <>
      <PageHeader title="Overview" description="Everything running now, where it runs, and what happened." />
      <OverviewCounters />
      <div role="tablist" aria-label="View" className="mt-6 flex gap-1 border-b border-zinc-200 px-1">
        {overviewViews.map((id) => (
          <button key={id} type="button" role="tab" aria-selected={view === id} onClick={() => onView(id)}
            className={cn('-mb-px flex items-center gap-1.5 border-b-2 px-3 py-2 text-sm font-medium',
              view === id ? 'border-zinc-900 text-zinc-900' : 'border-transparent text-zinc-500 hover:text-zinc-800')}>
            {views[id].icon}
            {views[id].label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={shown.label} className="mt-4">
        {shown.framed ? <Card className="overflow-hidden">{shown.render()}</Card> : shown.render()}
      </div>
    </>
  );
}
