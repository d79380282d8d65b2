import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Activity, Pause, Play } from 'lucide-react';
import { GOVERNANCE_CLASSES, type GovernanceClass, type GovernanceEventFilter, type GovernanceEventItem, type Verdict } from '@paddock/protocol';
import { governanceEventsQuery } from '../../api/governance';
import { mergeEvents, useGovernanceFeed, type FeedStatus } from '../../api/governanceFeed';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { controlClass } from '../../components/Field';
import { QueryView } from '../../components/QueryView';
import { TableSkeleton } from '../../components/Table';
import { cn } from '../../components/cn';
import { EventTable } from './EventTable';
import { CLASS_LABELS, VERDICT_LABELS } from './governanceWords';

const STATUS: Record<FeedStatus, { text: string; tone: 'success' | 'warning' | 'neutral' | 'danger' }> = {
  connecting: { text: 'Connecting…', tone: 'neutral' },
  live: { text: 'Live', tone: 'success' },
  reconnecting: { text: 'Reconnecting…', tone: 'warning' },
  refused: { text: 'Disconnected: retrying', tone: 'danger' },
};

/**
 * The governance events as they happen: the newest page from the API, then
 * each event the feed sends. Paused, the rows stand still and count what
 * arrives; resumed, they catch up. `workspaceId` fixes the feed to one
 * workspace (the workspace page), and hides that filter.
 */
export function GovernanceFeed({ workspaceId }: { workspaceId?: string }) {
  const [cls, setCls] = useState<GovernanceClass | ''>('');
  const [verdict, setVerdict] = useState<Verdict | ''>('');
  const [workspaceDraft, setWorkspaceDraft] = useState('');
  // Applied on Enter: each filter change is a new socket, not one per keystroke.
  const [workspaceFilter, setWorkspaceFilter] = useState('');
  const ws = workspaceId ?? workspaceFilter;
  const filter: GovernanceEventFilter = {
    ...(ws ? { workspaceId: ws } : {}),
    ...(cls ? { class: cls } : {}),
    ...(verdict ? { verdict } : {}),
  };
  const page = useQuery(governanceEventsQuery(filter));
  const feed = useGovernanceFeed(filter);
  const [paused, setPaused] = useState<GovernanceEventItem[] | null>(null);

  const all = mergeEvents(feed.events, page.data?.items ?? []);
  const shown = paused ?? all;
  const waiting = paused ? all.filter((e) => !paused.some((p) => p.id === e.id)).length : 0;
  const status = STATUS[feed.status];

  return (
    <div className="space-y-3">
      <form
        className="flex flex-wrap items-center gap-2"
        role="search"
        aria-label="Filter the events"
        onSubmit={(e) => { e.preventDefault(); setWorkspaceFilter(workspaceDraft.trim()); }}
      >
        <select aria-label="Filter by class" value={cls} onChange={(e) => setCls(e.target.value as GovernanceClass | '')} className={cn(controlClass, 'pr-8')}>
          <option value="">All classes</option>
          {GOVERNANCE_CLASSES.map((c) => <option key={c} value={c}>{CLASS_LABELS[c]}</option>)}
        </select>
        <select aria-label="Filter by verdict" value={verdict} onChange={(e) => setVerdict(e.target.value as Verdict | '')} className={cn(controlClass, 'pr-8')}>
          <option value="">All verdicts</option>
          {(['allow', 'ask', 'deny'] as const).map((v) => <option key={v} value={v}>{VERDICT_LABELS[v]}</option>)}
        </select>
        {workspaceId === undefined && (
          <input aria-label="Filter by workspace id" placeholder="Workspace id" value={workspaceDraft} spellCheck={false}
            onChange={(e) => setWorkspaceDraft(e.target.value)} onBlur={() => setWorkspaceFilter(workspaceDraft.trim())}
            className={cn(controlClass, 'w-72 font-mono text-[13px]')} />
        )}
        <div className="ml-auto flex items-center gap-2">
          <Badge tone={status.tone} data-testid="feed-status" aria-live="polite">{status.text}</Badge>
          {paused ? (
            <Button size="sm" icon={<Play className="size-4" aria-hidden />} onClick={() => setPaused(null)}>
              Resume{waiting ? ` (${waiting} new)` : ''}
            </Button>
          ) : (
            <Button size="sm" icon={<Pause className="size-4" aria-hidden />} onClick={() => setPaused(all)}>Pause</Button>
          )}
        </div>
      </form>
      <Card className="overflow-hidden">
        <QueryView
          query={{ ...page, data: page.data ? shown : undefined }}
          keepDataOnError
          loading={<TableSkeleton rows={5} label="Loading agent activity" />}
          errorTitle="Could not load agent activity"
          errorClassName="m-4"
          empty={
            <EmptyState
              icon={<Activity className="size-5" />}
              title={Object.keys(filter).length ? 'No events match' : 'No agent activity yet'}
              description="Events appear here as agents act, live."
            />
          }
        >
          {(events) => <EventTable events={events} showWorkspace={workspaceId === undefined} />}
        </QueryView>
      </Card>
    </div>
  );
}
