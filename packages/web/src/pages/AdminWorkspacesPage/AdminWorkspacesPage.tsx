import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Boxes, Play, Search, Square, Trash2, X } from 'lucide-react';
import { LISTED_WORKSPACE_STATES, type AdminWorkspace, type AdminWorkspacesQuery } from '@paddock/protocol';
import { adminWorkspacesQuery } from '../../api/adminWorkspaces';
import { blueprintsQuery } from '../../api/blueprints';
import { usersQuery } from '../../api/users';
import type { WorkspaceAction } from '../../api/workspaces';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { EmptyState } from '../../components/EmptyState';
import { IconButton } from '../../components/IconButton';
import { controlClass } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { TBody, THead, Table, TableSkeleton, Td, Th } from '../../components/Table';
import { cn } from '../../components/cn';
import { formatDateTime, timeAgo } from '../../components/formatTime';
import { useNow } from '../../components/useNow';
import { ReadOnlyBadge } from '../../modules/admin/AdminLayout';
import { useCanManage } from '../../modules/auth/permissions';
import { canDelete, canStart, canStop } from '../../modules/workspaces/workspaceActions';
import { WorkspaceStateBadge } from '../../modules/workspaces/WorkspaceStateBadge';
import { useBulkWorkspaceAction, type BulkRun } from './useBulkWorkspaceAction';

type ListedState = (typeof LISTED_WORKSPACE_STATES)[number];

const verbs: Record<WorkspaceAction, { doing: string; done: string }> = {
  start: { doing: 'Starting', done: 'started' },
  stop: { doing: 'Stopping', done: 'stopped' },
  delete: { doing: 'Deleting', done: 'deleted' },
};

const allowed: Record<WorkspaceAction, (w: AdminWorkspace) => boolean> = {
  start: (w) => canStart(w.state),
  stop: (w) => canStop(w.state),
  delete: (w) => canDelete(w.state),
};

/** Admin → Workspaces: everyone's workspaces, searchable and filtered, started, stopped and deleted one at a time or several at once. */
export function AdminWorkspacesPage() {
  const canManage = useCanManage();
  const [search, setSearch] = useState('');
  const [state, setState] = useState<ListedState | ''>('');
  const [blueprintId, setBlueprintId] = useState('');
  const [ownerId, setOwnerId] = useState('');
  const [q, setQ] = useState('');
  // One request when the typing pauses, not one per keystroke.
  useEffect(() => {
    const t = setTimeout(() => setQ(search.trim()), 250);
    return () => clearTimeout(t);
  }, [search]);
  const filter: AdminWorkspacesQuery = { ...(state && { state }), ...(blueprintId && { blueprintId }), ...(ownerId && { ownerId }), ...(q && { q }) };
  const list = useQuery(adminWorkspacesQuery(filter));
  const blueprints = useQuery(blueprintsQuery());
  const users = useQuery(usersQuery());
  const bulk = useBulkWorkspaceAction();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [confirmDelete, setConfirmDelete] = useState<AdminWorkspace[] | null>(null);
  const filtered = Object.keys(filter).length > 0;

  const shown = list.data?.workspaces ?? [];
  const chosen = shown.filter((w) => selected.has(w.id));
  const act = async (action: WorkspaceAction, workspaces: AdminWorkspace[]) => {
    const targets = workspaces.filter(allowed[action]);
    if (targets.length === 0) return;
    const result = await bulk.start(action, targets);
    const failed = new Set(result.failures.map((f) => f.workspace.id));
    // What worked leaves the selection; what failed stays selected, to retry.
    setSelected((s) => new Set([...s].filter((id) => failed.has(id))));
  };
  const toggle = (id: string) => setSelected((s) => {
    const next = new Set(s);
    if (!next.delete(id)) next.add(id);
    return next;
  });
  const allChosen = shown.length > 0 && chosen.length === shown.length;

  return (
    <>
      <PageHeader title="Workspaces" description="Every workspace in the organization: who owns it, what it runs, and when it stops." actions={canManage ? undefined : <ReadOnlyBadge />} />

      {list.data && <Counters counts={list.data.counts} state={state} onState={setState} />}

      <div className="mb-4 flex flex-wrap items-center gap-2" role="search">
        <div className="relative">
          <Search className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-zinc-400" aria-hidden />
          <input
            type="search"
            aria-label="Search workspaces"
            placeholder="Search name, owner, blueprint"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            maxLength={200}
            className={cn(controlClass, 'w-72 pl-8')}
          />
        </div>
        <select aria-label="State" value={state} onChange={(e) => setState(e.target.value as ListedState | '')} className={cn(controlClass, 'pr-8')}>
          <option value="">Any state</option>
          {LISTED_WORKSPACE_STATES.map((s) => <option key={s} value={s}>{capitalized(s)}</option>)}
        </select>
        <select aria-label="Blueprint" value={blueprintId} onChange={(e) => setBlueprintId(e.target.value)} className={cn(controlClass, 'max-w-56 pr-8')}>
          <option value="">Any blueprint</option>
          {blueprints.data?.map((b) => <option key={b.id} value={b.id}>{b.name}</option>)}
        </select>
        <select aria-label="Owner" value={ownerId} onChange={(e) => setOwnerId(e.target.value)} className={cn(controlClass, 'max-w-56 pr-8')}>
          <option value="">Any owner</option>
          {users.data?.map((u) => <option key={u.id} value={u.id}>{u.name || u.email}</option>)}
        </select>
        {filtered && (
          <Button variant="ghost" icon={<X className="size-3.5" aria-hidden />} onClick={() => { setSearch(''); setState(''); setBlueprintId(''); setOwnerId(''); }}>
            Clear filters
          </Button>
        )}
      </div>

      <div aria-live="polite">
        {bulk.run && <BulkProgress run={bulk.run} onDismiss={bulk.dismiss} />}
      </div>

      {canManage && chosen.length > 0 && (
        <div className="mb-3 flex flex-wrap items-center gap-2 rounded-lg border border-zinc-200 bg-zinc-50 px-4 py-2" data-testid="bulk-bar">
          <span className="mr-2 text-sm font-medium text-zinc-700">{chosen.length} selected</span>
          <Button size="sm" icon={<Play className="size-3.5" aria-hidden />} disabled={bulk.busy || !chosen.some(allowed.start)} onClick={() => void act('start', chosen)}>Start</Button>
          <Button size="sm" icon={<Square className="size-3.5" aria-hidden />} disabled={bulk.busy || !chosen.some(allowed.stop)} onClick={() => void act('stop', chosen)}>Stop</Button>
          <Button size="sm" variant="danger" icon={<Trash2 className="size-3.5" aria-hidden />} disabled={bulk.busy} onClick={() => setConfirmDelete(chosen)}>Delete</Button>
          <Button size="sm" variant="ghost" disabled={bulk.busy} onClick={() => setSelected(new Set())}>Clear selection</Button>
        </div>
      )}

      <QueryView
        query={list}
        loading={<Card><TableSkeleton rows={5} label="Loading workspaces" /></Card>}
        errorTitle="Could not load the workspaces"
        isEmpty={(data) => data.workspaces.length === 0}
        empty={
          <EmptyState
            icon={<Boxes className="size-5" />}
            title={filtered ? 'No workspace matches' : 'No workspaces yet'}
            description={filtered ? 'Try another search or clear the filters.' : 'When a builder creates a workspace from a blueprint, it shows here.'}
          />
        }
      >
        {(data) => (
          <Card className="overflow-hidden">
            <Table>
              <THead>
                {canManage && (
                  <Th className="w-8">
                    <input type="checkbox" aria-label="Select all" checked={allChosen}
                      onChange={() => setSelected(allChosen ? new Set() : new Set(data.workspaces.map((w) => w.id)))} />
                  </Th>
                )}
                <Th>Workspace</Th>
                <Th>Owner</Th>
                <Th>Blueprint</Th>
                <Th>State</Th>
                <Th>Agent</Th>
                <Th>Last active</Th>
                <Th>Deadline</Th>
                {canManage && <Th><span className="sr-only">Actions</span></Th>}
              </THead>
              <TBody>
                {data.workspaces.map((w) => (
                  <tr key={w.id} data-testid={`admin-workspace-${w.name}`} className={selected.has(w.id) ? 'bg-blue-50/40' : undefined}>
                    {canManage && (
                      <Td><input type="checkbox" aria-label={`Select ${w.displayName}`} checked={selected.has(w.id)} onChange={() => toggle(w.id)} /></Td>
                    )}
                    <Td className="font-medium text-zinc-900">
                      {w.displayName}
                      {w.displayName !== w.name && <span className="block text-xs font-normal text-zinc-500">{w.name}</span>}
                    </Td>
                    <Td>
                      <span className="block">{w.ownerName}</span>
                      <span className="block text-xs text-zinc-500">{w.ownerEmail}</span>
                    </Td>
                    <Td>{w.blueprintName}</Td>
                    <Td><WorkspaceStateBadge state={w.state} /></Td>
                    <Td className="whitespace-nowrap">{w.agentName ?? <span className="text-zinc-400">Not placed</span>}</Td>
                    <Td className="whitespace-nowrap">
                      <span className="block" title={formatDateTime(w.lastActiveAt)}>{timeAgo(w.lastActiveAt)}</span>
                      <span className="block text-xs text-zinc-500" title={formatDateTime(w.createdAt)}>Created {timeAgo(w.createdAt)}</span>
                    </Td>
                    <Td><Deadline workspace={w} /></Td>
                    {canManage && (
                      <Td className="text-right whitespace-nowrap">
                        <div className="flex justify-end gap-0.5">
                          {canStart(w.state) && <IconButton label={`Start ${w.displayName}`} disabled={bulk.busy} onClick={() => void act('start', [w])}><Play className="size-4" aria-hidden /></IconButton>}
                          {canStop(w.state) && <IconButton label={`Stop ${w.displayName}`} disabled={bulk.busy} onClick={() => void act('stop', [w])}><Square className="size-4" aria-hidden /></IconButton>}
                          <IconButton label={`Delete ${w.displayName}`} disabled={bulk.busy} onClick={() => setConfirmDelete([w])}><Trash2 className="size-4 text-red-600" aria-hidden /></IconButton>
                        </div>
                      </Td>
                    )}
                  </tr>
                ))}
              </TBody>
            </Table>
          </Card>
        )}
      </QueryView>

      <ConfirmDialog
        open={confirmDelete !== null}
        title={confirmDelete?.length === 1 ? 'Delete this workspace?' : `Delete ${confirmDelete?.length ?? 0} workspaces?`}
        destructive
        confirmLabel="Delete"
        description={confirmDelete?.length === 1
          ? <>The workspace <strong>{confirmDelete[0]!.displayName}</strong> of {confirmDelete[0]!.ownerName} is deleted with its files. Its owner is not asked. Audited.</>
          : <>These workspaces are deleted with their files: {confirmDelete?.map((w) => w.displayName).join(', ')}. Their owners are not asked. Each deletion is audited.</>}
        onClose={() => setConfirmDelete(null)}
        onConfirm={() => {
          const targets = confirmDelete ?? [];
          setConfirmDelete(null);
          void act('delete', targets);
        }}
      />
    </>
  );
}

function capitalized(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** How many in each state; clicking one filters on it. */
function Counters({ counts, state, onState }: { counts: Record<ListedState | 'total', number>; state: ListedState | ''; onState: (s: ListedState | '') => void }) {
  const chip = (key: ListedState | '', label: string, count: number) => (
    <button
      key={label}
      type="button"
      aria-pressed={state === key}
      onClick={() => onState(state === key ? '' : key)}
      data-testid={`count-${key || 'total'}`}
      className={cn(
        'flex min-w-24 flex-col rounded-lg border bg-white px-3 py-2 text-left shadow-xs transition-colors hover:border-zinc-400',
        state === key ? 'border-zinc-900 ring-1 ring-zinc-900' : 'border-zinc-200',
      )}
    >
      <span className="text-xs text-zinc-500">{label}</span>
      <span className="text-lg font-semibold text-zinc-900 tabular-nums">{count}</span>
    </button>
  );
  return (
    <div className="mb-4 flex flex-wrap gap-2" aria-label="Workspaces by state">
      {chip('', 'All', counts.total)}
      {LISTED_WORKSPACE_STATES.filter((s) => counts[s] > 0 || s === 'running' || s === 'stopped' || s === 'failed').map((s) => chip(s, capitalized(s), counts[s]))}
    </div>
  );
}

/** When the policy stops a running workspace (and why), or deletes a stopped one. */
function Deadline({ workspace }: { workspace: AdminWorkspace }) {
  const now = useNow(30_000);
  if (workspace.stopsAt) {
    const why = workspace.stopReason === 'idle' ? 'Stops if idle' : 'Maximum running time';
    return (
      <span title={formatDateTime(workspace.stopsAt)}>
        <span className="block whitespace-nowrap">{timeAgo(workspace.stopsAt, now)}</span>
        <span className="block text-xs text-zinc-500">{why}</span>
      </span>
    );
  }
  if (workspace.deletesAt) {
    return (
      <span title={formatDateTime(workspace.deletesAt)}>
        <span className="block whitespace-nowrap">{timeAgo(workspace.deletesAt, now)}</span>
        <span className="block text-xs text-zinc-500">Deleted by the cleanup</span>
      </span>
    );
  }
  return <span className="text-zinc-400">None</span>;
}

/** How far a run of actions got, and which failed and why. */
function BulkProgress({ run, onDismiss }: { run: BulkRun; onDismiss: () => void }) {
  const { doing, done } = verbs[run.action];
  const succeeded = run.done - run.failures.length;
  if (!run.finished) {
    return <Notice className="mb-3" title={`${doing} ${run.done + 1} of ${run.total}…`} />;
  }
  const summary = `${succeeded} of ${run.total} ${done}`;
  return (
    <Notice tone={run.failures.length ? 'warning' : 'success'} className="mb-3" role={run.failures.length ? 'alert' : undefined} title={summary}>
      <div data-testid="bulk-result">
        {run.failures.length > 0 && (
          <ul className="mt-1 list-disc pl-5">
            {run.failures.map((f) => <li key={f.workspace.id}><strong>{f.workspace.displayName}</strong>: {f.message}</li>)}
          </ul>
        )}
        <button type="button" className="mt-1 text-sm underline underline-offset-2" onClick={onDismiss}>Dismiss</button>
      </div>
    </Notice>
  );
}
