import { createHash } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AuditActor as AuditActorView, AuditEntry, AuditFilter, AuditOutcome } from '@paddock/protocol';
import type { User } from '@paddock/protocol';
import type { SystemActor } from '../auth/actor.js';
import type { Clock } from '../clock.js';
import type { AuditLogTable, Tables } from '../db/schema.js';
import type { Database } from '../db/database.js';
import { canonicalJson } from './canonicalJson.js';
import { storable } from './storable.js';

/**
 * Who a record names: an actor (a person, or a named part of the system, never a
 * stand-in user), or someone who proved no identity: a failed sign-in, with the
 * email it claimed.
 */
export type AuditActor = { kind: 'user'; user: Pick<User, 'id' | 'email'> } | SystemActor | { kind: 'anonymous'; email: string | null };

export interface AuditRecord {
  actor: AuditActor;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  blueprintId?: string | null;
  outcome: AuditOutcome;
  detail?: Record<string, unknown>;
}

type Row = Selectable<AuditLogTable>;

/** The actor's columns: who it is, by kind, never a made-up user. */
function actorColumns(actor: AuditActor): Pick<Row, 'actor_kind' | 'actor_id' | 'actor_email' | 'actor_name'> {
  switch (actor.kind) {
    case 'user': return { actor_kind: 'user', actor_id: actor.user.id, actor_email: actor.user.email, actor_name: null };
    case 'system': return { actor_kind: 'system', actor_id: actor.id ?? null, actor_email: null, actor_name: actor.name };
    case 'anonymous': return { actor_kind: 'anonymous', actor_id: null, actor_email: actor.email, actor_name: null };
  }
}

/**
 * What a row's hash covers: its columns, named as the API names them. Rows written
 * before actors had kinds (migration 0016) have no actor_kind and hash exactly as they
 * did, without actorKind and actorName; every later row covers both, so a kind can't be
 * added to an old row, nor taken from a new one, without breaking the chain.
 */
function hashedRow(r: Omit<Row, 'prev_hash' | 'hash' | 'at'> & { at: string }): Record<string, unknown> {
  const common = {
    id: r.id, at: r.at, actorId: r.actor_id, actorEmail: r.actor_email, action: r.action,
    targetType: r.target_type, targetId: r.target_id, blueprintId: r.blueprint_id, outcome: r.outcome, detail: r.detail,
  };
  return r.actor_kind === null ? common : { ...common, actorKind: r.actor_kind, actorName: r.actor_name };
}

/** Text for LIKE, its wildcards taken literally. */
const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function rowHash(prevHash: string, row: Record<string, unknown>): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(row)).digest('hex');
}

/** Rows before 0016 named system actors by a word in actor_email; they read as those actors. */
function legacyActor(r: Pick<Row, 'actor_id' | 'actor_email'>): AuditActorView {
  if (r.actor_id !== null) return { kind: 'user', id: r.actor_id, email: r.actor_email ?? '' };
  const operator = /^operator \((.*)\)$/.exec(r.actor_email ?? '');
  if (operator) return { kind: 'system', name: 'operator', id: operator[1]! };
  if (r.actor_email === 'system' || r.actor_email === 'scim' || r.actor_email === 'sso') return { kind: 'system', name: r.actor_email };
  return { kind: 'anonymous', email: r.actor_email };
}

function actorView(r: Pick<Row, 'actor_kind' | 'actor_id' | 'actor_email' | 'actor_name'>): AuditActorView {
  switch (r.actor_kind) {
    case 'user': return { kind: 'user', id: r.actor_id ?? '', email: r.actor_email ?? '' };
    case 'system': return { kind: 'system', name: r.actor_name ?? '', ...(r.actor_id !== null ? { id: r.actor_id } : {}) };
    case 'anonymous': return { kind: 'anonymous', email: r.actor_email };
    default: return legacyActor(r);
  }
}

function toEntry(r: Row): AuditEntry {
  return {
    id: String(r.id),
    at: r.at.toISOString(),
    actor: actorView(r),
    actorId: r.actor_id,
    actorEmail: r.actor_email,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    blueprintId: r.blueprint_id,
    outcome: r.outcome,
    detail: r.detail,
  };
}

export type VerifyResult =
  | { ok: true; checked: number }
  | { ok: false; checked: number; firstBadId: string; reason: string };

/**
 * The append-only, hash-chained audit trail. Appends serialize on the audit_head
 * row (SELECT … FOR UPDATE), so the chain stays linear across portal replicas.
 */
export class AuditLog {
  constructor(private readonly db: Database, private readonly clock: Clock) {}

  /** Appends inside `tx` when given, so the record commits or rolls back with the change it describes. */
  async append(record: AuditRecord, tx?: Transaction<Tables>): Promise<void> {
    if (tx) return this.appendIn(tx, record);
    await this.db.transaction().execute((t) => this.appendIn(t, record));
  }

  private async appendIn(tx: Kysely<Tables>, record: AuditRecord): Promise<void> {
    const head = await tx.selectFrom('audit_head').selectAll().where('singleton', '=', 1).forUpdate().executeTakeFirstOrThrow();
    const row = storable({
      id: head.last_id + 1,
      at: this.clock.now().toISOString(),
      ...actorColumns(record.actor),
      action: record.action,
      target_type: record.targetType ?? null,
      target_id: record.targetId ?? null,
      blueprint_id: record.blueprintId ?? null,
      outcome: record.outcome,
      detail: record.detail ?? {},
    });
    const hash = rowHash(head.last_hash, hashedRow(row));
    await tx.insertInto('audit_log').values({
      ...row,
      at: new Date(row.at),
      detail: JSON.stringify(row.detail),
      prev_hash: head.last_hash,
      hash,
    }).execute();
    await tx.updateTable('audit_head').set({ last_id: row.id, last_hash: hash }).where('singleton', '=', 1).execute();
  }

  /** Newest first; `before` pages backwards by id; the filters (protocol's auditFilterSchema) narrow it. */
  async list(options: { limit: number; before?: number } & AuditFilter): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(options.limit);
    if (options.before !== undefined) q = q.where('id', '<', options.before);
    if (options.action?.endsWith('*')) q = q.where('action', 'like', `${likeEscape(options.action.slice(0, -1))}%`);
    else if (options.action) q = q.where('action', '=', options.action);
    if (options.targetType) q = q.where('target_type', '=', options.targetType);
    if (options.from) q = q.where('at', '>=', new Date(options.from));
    if (options.to) q = q.where('at', '<', new Date(options.to));
    if (options.actor) {
      const text = `%${likeEscape(options.actor.toLowerCase())}%`;
      const actor = options.actor;
      q = q.where((eb) => eb.or([
        eb('actor_id', '=', actor),
        eb(eb.fn('lower', ['actor_email']), 'like', text),
        eb(eb.fn('lower', ['actor_name']), 'like', text),
        eb('actor_id', 'in', eb.selectFrom('users').select('users.id').where((u) => u(u.fn('lower', ['users.name']), 'like', text))),
      ]));
    }
    if (options.target) {
      const text = `%${likeEscape(options.target.toLowerCase())}%`;
      const target = options.target;
      q = q.where((eb) => eb.or([
        eb('target_id', '=', target),
        eb('target_id', 'in', eb.selectFrom('users').select('users.id')
          .where((u) => u.or([u(u.fn('lower', ['users.name']), 'like', text), u(u.fn('lower', ['users.email']), 'like', text)]))),
        eb('target_id', 'in', eb.selectFrom('blueprints').select('blueprints.id').where((b) => b(b.fn('lower', ['blueprints.name']), 'like', text))),
        eb('target_id', 'in', eb.selectFrom('workspaces').select('workspaces.id').where((w) => w(w.fn('lower', ['workspaces.name']), 'like', text))),
      ]));
    }
    return (await q.execute()).map(toEntry);
  }

  /** The filtered trail, newest first, a page at a time (an export's rows, at most `max`). */
  async *scan(filter: AuditFilter, max: number, pageSize = 1000): AsyncGenerator<AuditEntry[]> {
    let before: number | undefined;
    let left = max;
    while (left > 0) {
      const limit = Math.min(pageSize, left);
      const page = await this.list({ ...filter, limit, ...(before !== undefined ? { before } : {}) });
      if (page.length > 0) yield page;
      if (page.length < limit) return;
      left -= page.length;
      before = Number(page.at(-1)!.id);
    }
  }

  /**
   * The names of what entries name by id: people (their name, or email when they have none),
   * blueprints and workspaces, as they are now; an id that names nothing any more is left out.
   */
  async names(entries: AuditEntry[]): Promise<Record<string, string>> {
    const users = new Set<string>();
    const blueprints = new Set<string>();
    const workspaces = new Set<string>();
    for (const e of entries) {
      if (e.actor.kind === 'user' && e.actor.id) users.add(e.actor.id);
      if (e.blueprintId) blueprints.add(e.blueprintId);
      if (!e.targetId) continue;
      if (e.targetType === 'user') users.add(e.targetId);
      else if (e.targetType === 'blueprint') blueprints.add(e.targetId);
      else if (e.targetType === 'workspace') workspaces.add(e.targetId);
    }
    const names: Record<string, string> = {};
    const [u, b, w] = await Promise.all([
      users.size ? this.db.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', [...users]).execute() : [],
      blueprints.size ? this.db.selectFrom('blueprints').select(['id', 'name']).where('id', 'in', [...blueprints]).execute() : [],
      workspaces.size ? this.db.selectFrom('workspaces').select(['id', 'name']).where('id', 'in', [...workspaces]).execute() : [],
    ]);
    for (const r of u) names[r.id] = r.name.trim() || r.email;
    for (const r of [...b, ...w]) names[r.id] = r.name;
    return names;
  }

  /** Walks the chain from the start; names the first row that was edited, inserted or removed. */
  async verify(): Promise<VerifyResult> {
    let prevHash = '';
    let expectedId = 1;
    let checked = 0;
    const pageSize = 1000;
    for (;;) {
      const rows = await this.db.selectFrom('audit_log').selectAll()
        .where('id', '>=', expectedId).orderBy('id').limit(pageSize).execute();
      for (const r of rows) {
        if (r.id !== expectedId) {
          return { ok: false, checked, firstBadId: String(expectedId), reason: `row ${expectedId} is missing` };
        }
        if (r.prev_hash !== prevHash || rowHash(prevHash, hashedRow({ ...r, at: r.at.toISOString() })) !== r.hash) {
          return { ok: false, checked, firstBadId: String(r.id), reason: `row ${r.id} does not match its hash` };
        }
        prevHash = r.hash;
        expectedId += 1;
        checked += 1;
      }
      if (rows.length < pageSize) break;
    }
    const head = await this.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
    if (head.last_id !== expectedId - 1 || head.last_hash !== prevHash) {
      return { ok: false, checked, firstBadId: String(expectedId), reason: `rows after ${expectedId - 1} were removed` };
    }
    return { ok: true, checked };
  }
}
