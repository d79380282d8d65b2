import { createHash } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AuditEntry, AuditOutcome } from '@paddock/protocol';
import type { Clock } from '../clock.js';
import type { AuditLogTable, Tables } from '../db/schema.js';
import type { Database } from '../db/database.js';
import { canonicalJson } from './canonicalJson.js';
import { storable } from './storable.js';

export interface AuditRecord {
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  blueprintId?: string | null;
  outcome: AuditOutcome;
  detail?: Record<string, unknown>;
}

type Row = Selectable<AuditLogTable>;

function rowHash(prevHash: string, row: Omit<AuditEntry, 'id'> & { id: number }): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(row)).digest('hex');
}

function toEntry(r: Pick<Row, 'id' | 'at' | 'actor_id' | 'actor_email' | 'action' | 'target_type' | 'target_id' | 'blueprint_id' | 'outcome' | 'detail'>) {
  return {
    id: r.id,
    at: r.at.toISOString(),
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
    const entry = storable({
      id: head.last_id + 1,
      at: this.clock.now().toISOString(),
      actorId: record.actorId,
      actorEmail: record.actorEmail,
      action: record.action,
      targetType: record.targetType ?? null,
      targetId: record.targetId ?? null,
      blueprintId: record.blueprintId ?? null,
      outcome: record.outcome,
      detail: record.detail ?? {},
    });
    const hash = rowHash(head.last_hash, entry);
    await tx.insertInto('audit_log').values({
      id: entry.id,
      at: new Date(entry.at),
      actor_id: entry.actorId,
      actor_email: entry.actorEmail,
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId,
      blueprint_id: entry.blueprintId,
      outcome: entry.outcome,
      detail: JSON.stringify(entry.detail),
      prev_hash: head.last_hash,
      hash,
    }).execute();
    await tx.updateTable('audit_head').set({ last_id: entry.id, last_hash: hash }).where('singleton', '=', 1).execute();
  }

  /** Newest first; `before` pages backwards by id. */
  async list(options: { limit: number; before?: number; action?: string }): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(options.limit);
    if (options.before !== undefined) q = q.where('id', '<', options.before);
    if (options.action) q = q.where('action', '=', options.action);
    return (await q.execute()).map((r) => ({ ...toEntry(r), id: String(r.id) }));
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
        if (r.prev_hash !== prevHash || rowHash(prevHash, toEntry(r)) !== r.hash) {
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
