import { sql } from 'kysely';
import { CONNECTED_WINDOW_MINUTES, TIMELINE_MAX_DAYS, type Timeline, type TimelineAction, type TimelineEvent, type TimelineRow, type TimelineSegment } from '@paddock/protocol';
import type { PortalServices } from '../services.js';

/** The audit log's actions a timeline marks, and the marker each becomes. */
const MARKED: Record<string, TimelineAction> = {
  'workspace.create': 'create',
  'workspace.start': 'start',
  'workspace.stop': 'stop',
  'workspace.delete': 'delete',
  'publish.request': 'publish',
};
const WORKSPACE_ACTIONS = Object.keys(MARKED).filter((a) => a.startsWith('workspace.'));
const CONNECTED_WINDOW_MS = CONNECTED_WINDOW_MINUTES * 60_000;
const TERMINAL = ['workspace.terminal.open', 'workspace.terminal.close'];
/** How far back a terminal still attached at the range's start is looked for. */
const TERMINAL_LOOKBACK_MS = TIMELINE_MAX_DAYS * 86_400_000;
/** Beyond this many workspaces in one range the newest are shown (the answer says `from`, `to`, and has its rows). */
const MAX_ROWS = 2000;

interface Span { start: number; end: number }

/** Sorted, overlapping or touching spans made one. */
function merge(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    const last = out.at(-1);
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/** Where two sets of sorted, disjoint spans overlap. */
function intersect(a: Span[], b: Span[]): Span[] {
  const out: Span[] = [];
  for (const x of a) for (const y of b) {
    const start = Math.max(x.start, y.start);
    const end = Math.min(x.end, y.end);
    if (start < end) out.push({ start, end });
  }
  return merge(out);
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * How long each terminal stayed attached: an opening to the next closing of the same
 * person's same session in the workspace (two tabs on one session pair up in order). An
 * opening with no closing recorded (still attached, or the portal went down under it) lasts
 * to the end of its run: the caller keeps connected stretches inside running ones.
 */
function terminalSpans(rows: Array<{ workspace_id: string; at: Date; action: string; actor_id: string | null; session: string | null }>): Array<Span & { workspaceId: string }> {
  const open = new Map<string, Array<{ workspaceId: string; start: number }>>();
  const out: Array<Span & { workspaceId: string }> = [];
  for (const r of rows) {
    const key = `${r.workspace_id}\n${r.actor_id ?? ''}\n${r.session ?? ''}`;
    const list = open.get(key) ?? [];
    if (r.action === 'workspace.terminal.open') {
      list.push({ workspaceId: r.workspace_id, start: r.at.getTime() });
      open.set(key, list);
    } else {
      const first = list.shift();
      if (first) out.push({ ...first, end: r.at.getTime() });
    }
  }
  for (const list of open.values()) for (const o of list) out.push({ ...o, end: Infinity });
  return out;
}

/**
 * The activity timeline over [from, to): one row per workspace that existed in it, with
 * the stretches it ran (workspace_runs), the stretches someone used it while it ran
 * (workspace_activity) and its markers (the audit log). All three are rows in the database,
 * so the timeline reads the same after the portal restarts.
 */
export async function timeline(services: Pick<PortalServices, 'db' | 'clock'>, range: { from: Date; to: Date }): Promise<Timeline> {
  const { db, clock } = services;
  const now = clock.now().getTime();
  const from = range.from.getTime();
  const to = range.to.getTime();
  // Bars end where the range does, and a run still open ends now.
  const barEnd = Math.min(to, now);

  const [workspaces, runs, activity, terminals, audited, published] = await Promise.all([
    db.selectFrom('workspaces').innerJoin('users', 'users.id', 'workspaces.owner_id')
      .select(['workspaces.id', 'workspaces.display_name', 'workspaces.state', 'workspaces.owner_id', 'workspaces.blueprint_id', 'users.name as owner_name', 'users.email as owner_email'])
      .where('workspaces.created_at', '<', range.to)
      // A deleted workspace was last changed when it was deleted: shown if that was inside the range.
      .where((eb) => eb.or([eb('workspaces.state', '!=', 'deleted'), eb('workspaces.updated_at', '>=', range.from)]))
      .orderBy('workspaces.created_at', 'desc').limit(MAX_ROWS).execute(),
    db.selectFrom('workspace_runs').select(['workspace_id', 'started_at', 'ended_at'])
      .where('started_at', '<', range.to)
      .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', range.from)]))
      .orderBy('started_at').execute(),
    // A use just before the range still marks its first minutes.
    db.selectFrom('workspace_activity').select(['workspace_id', 'at'])
      .where('action', 'not in', TERMINAL)
      .where('at', '>=', new Date(from - CONNECTED_WINDOW_MS)).where('at', '<', range.to).orderBy('at').execute(),
    db.selectFrom('workspace_activity').select(['workspace_id', 'at', 'action', 'actor_id', sql<string | null>`detail->>'session'`.as('session')])
      .where('action', 'in', TERMINAL)
      .where('at', '>=', new Date(from - TERMINAL_LOOKBACK_MS)).where('at', '<', range.to).orderBy('id').execute(),
    db.selectFrom('audit_log').leftJoin('users', 'users.id', 'audit_log.actor_id')
      .select(['audit_log.at', 'audit_log.action', 'audit_log.target_id', 'audit_log.actor_id', 'audit_log.actor_email', 'audit_log.actor_name', 'users.name as user_name'])
      .where('audit_log.target_type', '=', 'workspace').where('audit_log.action', 'in', WORKSPACE_ACTIONS).where('audit_log.outcome', '=', 'success')
      .where('audit_log.at', '>=', range.from).where('audit_log.at', '<', range.to).orderBy('audit_log.id').execute(),
    db.selectFrom('audit_log').innerJoin('publish_requests', 'publish_requests.id', 'audit_log.target_id').leftJoin('users', 'users.id', 'audit_log.actor_id')
      .select(['audit_log.at', 'audit_log.action', 'publish_requests.workspace_id as target_id', 'audit_log.actor_id', 'audit_log.actor_email', 'audit_log.actor_name', 'users.name as user_name'])
      .where('audit_log.target_type', '=', 'publish_request').where('audit_log.action', '=', 'publish.request').where('audit_log.outcome', '=', 'success')
      .where('audit_log.at', '>=', range.from).where('audit_log.at', '<', range.to).orderBy('audit_log.id').execute(),
  ]);

  const runsOf = new Map<string, Array<Span & { ongoing: boolean }>>();
  for (const r of runs) {
    const start = Math.max(r.started_at.getTime(), from);
    const end = Math.min(r.ended_at?.getTime() ?? now, barEnd);
    if (start >= end) continue;
    const list = runsOf.get(r.workspace_id) ?? [];
    list.push({ start, end, ongoing: r.ended_at === null });
    runsOf.set(r.workspace_id, list);
  }
  const usesOf = new Map<string, Span[]>();
  for (const a of activity) {
    const list = usesOf.get(a.workspace_id) ?? [];
    list.push({ start: Math.max(a.at.getTime(), from), end: Math.min(a.at.getTime() + CONNECTED_WINDOW_MS, barEnd) });
    usesOf.set(a.workspace_id, list);
  }
  for (const s of terminalSpans(terminals)) {
    const list = usesOf.get(s.workspaceId) ?? [];
    list.push({ start: Math.max(s.start, from), end: Math.min(s.end, barEnd) });
    usesOf.set(s.workspaceId, list);
  }
  const eventsOf = new Map<string, TimelineEvent[]>();
  for (const e of [...audited, ...published]) {
    if (!e.target_id) continue;
    const list = eventsOf.get(e.target_id) ?? [];
    list.push({
      at: e.at.toISOString(), action: MARKED[e.action]!, actorId: e.actor_id,
      actorName: e.user_name?.trim() || e.actor_email || e.actor_name || 'system',
    });
    eventsOf.set(e.target_id, list);
  }

  const rows: TimelineRow[] = workspaces.map((w) => {
    const running = runsOf.get(w.id) ?? [];
    const connected = intersect(merge((usesOf.get(w.id) ?? []).filter((s) => s.start < s.end)), merge(running));
    const segments: TimelineSegment[] = [
      ...running.map((s) => ({ kind: 'running' as const, start: iso(s.start), end: iso(s.end), ...(s.ongoing ? { ongoing: true } : {}) })),
      ...connected.map((s) => ({ kind: 'connected' as const, start: iso(s.start), end: iso(s.end) })),
    ];
    return {
      workspaceId: w.id, label: w.display_name, ownerId: w.owner_id, ownerName: w.owner_name.trim() || w.owner_email, blueprintId: w.blueprint_id,
      state: w.state, segments, events: (eventsOf.get(w.id) ?? []).sort((a, b) => a.at.localeCompare(b.at)),
    };
  });
  return { from: iso(from), to: iso(to), rows };
}
