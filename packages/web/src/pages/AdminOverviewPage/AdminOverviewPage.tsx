import { useState } from 'react';
import { ChartGantt, Network } from 'lucide-react';
import { Card } from '../../components/Card';
import { PageHeader } from '../../components/PageHeader';
import { cn } from '../../components/cn';
import { OverviewCounters } from './OverviewCounters';
import { TimelineView } from './TimelineView';
import { TopologyView } from './TopologyView';

/** The overview's views; the switcher takes more as they are built. */
const views = [
  { id: 'topology', label: 'Topology', icon: <Network className="size-4" aria-hidden />, render: () => <TopologyView /> },
  { id: 'timeline', label: 'Timeline', icon: <ChartGantt className="size-4" aria-hidden />, render: () => <TimelineView /> },
] as const;
type ViewId = (typeof views)[number]['id'];

/** Admin → Overview: live counters, then one view at a time. */
export function AdminOverviewPage() {
  const [view, setView] = useState<ViewId>('topology');
  return (
    <>
      <PageHeader title="Overview" description="Everything running now, where it runs, and what happened." />
      <OverviewCounters />
      <Card className="mt-6 overflow-hidden">
        <div role="tablist" aria-label="View" className="flex gap-1 border-b border-zinc-200 px-3 pt-2">
          {views.map((v) => (
            <button key={v.id} type="button" role="tab" aria-selected={view === v.id} onClick={() => setView(v.id)}
              className={cn('-mb-px flex items-center gap-1.5 border-b-2 px-3 py-2 text-sm font-medium',
                view === v.id ? 'border-zinc-900 text-zinc-900' : 'border-transparent text-zinc-500 hover:text-zinc-800')}>
              {v.icon}
              {v.label}
            </button>
          ))}
        </div>
        <div role="tabpanel">{views.find((v) => v.id === view)!.render()}</div>
      </Card>
    </>
  );
}
