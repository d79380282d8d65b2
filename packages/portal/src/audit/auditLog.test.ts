import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { RECONCILER, SCIM_ACTOR, agentActor, operatorActor } from '../auth/actor.js';
import { FakeClock } from '../clock.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { AuditLog } from './auditLog.js';
import { canonicalJson } from './canonicalJson.js';

const alice = { kind: 'user', user: { id: 'u1', email: 'a@x.io' } } as const;

describe('AuditLog', () => {
  let t: TestDatabase;
  let log: AuditLog;
  beforeAll(async () => {
    t = await openTestDatabase();
    log = new AuditLog(t.db, new FakeClock());
  });
  afterAll(async () => { await t.close(); });

  /** A DBA with superuser rights can get past the trigger; the chain must still tell. */
  const asSuperuser = async (statement: string) => {
    await sql.raw('alter table audit_log disable trigger audit_log_no_update').execute(t.db);
    await sql.raw(statement).execute(t.db);
    await sql.raw('alter table audit_log enable trigger audit_log_no_update').execute(t.db);
  };

  it('chains entries and verifies them', async () => {
    for (let i = 0; i < 5; i++) {
      await log.append({ actor: alice, action: 'workspace.create', targetType: 'workspace', targetId: `w${i}`, outcome: 'success', detail: { z: 1, a: { c: 2, b: 3 } } });
    }
    expect(await log.verify()).toEqual({ ok: true, checked: 5 });
    const entries = await log.list({ limit: 2 });
    expect(entries.map((e) => e.id)).toEqual(['5', '4']);
    expect(entries[0]?.detail).toEqual({ z: 1, a: { c: 2, b: 3 } });
  });

  it('names the first edited row', async () => {
    await asSuperuser(`update audit_log set outcome = 'failure' where id = 3`);
    expect(await log.verify()).toMatchObject({ ok: false, firstBadId: '3', checked: 2 });
    await asSuperuser(`update audit_log set outcome = 'success' where id = 3`);
    expect(await log.verify()).toMatchObject({ ok: true });
  });

  it('names a deleted row, in the middle and at the end', async () => {
    await asSuperuser(`delete from audit_log where id = 5`);
    expect(await log.verify()).toMatchObject({ ok: false, firstBadId: '5' });
    await asSuperuser(`delete from audit_log where id = 2`);
    expect(await log.verify()).toMatchObject({ ok: false, firstBadId: '2', reason: 'row 2 is missing' });
  });

  it('names who did it by kind: a user, a named system actor, or someone who proved no identity', async () => {
    const t2 = await openTestDatabase();
    try {
      const log2 = new AuditLog(t2.db, new FakeClock());
      await log2.append({ actor: alice, action: 'workspace.create', outcome: 'success' });
      await log2.append({ actor: RECONCILER, action: 'workspace.running', outcome: 'success' });
      await log2.append({ actor: agentActor('agent-1'), action: 'workspace.stopped', outcome: 'success' });
      await log2.append({ actor: operatorActor('root'), action: 'user.password.reset', outcome: 'success' });
      await log2.append({ actor: { kind: 'anonymous', email: 'who@x.io' }, action: 'auth.login', outcome: 'failure' });
      expect((await log2.list({ limit: 10 })).reverse().map((e) => e.actor)).toEqual([
        { kind: 'user', id: 'u1', email: 'a@x.io' },
        { kind: 'system', name: 'reconciler' },
        { kind: 'system', name: 'agent', id: 'agent-1' },
        { kind: 'system', name: 'operator', id: 'root' },
        { kind: 'anonymous', email: 'who@x.io' },
      ]);
      // No system actor is dressed up as a user: no id or email of a person.
      const reconciler = (await log2.list({ limit: 10 })).find((e) => e.action === 'workspace.running')!;
      expect(reconciler).toMatchObject({ actorId: null, actorEmail: null });
      expect(await log2.verify()).toEqual({ ok: true, checked: 5 });
    } finally {
      await t2.close();
    }
  });

  /** The hash as portals before migration 0016 computed it (no actor kind). */
  const legacyAppend = async (db: Database, id: number, prev: string, actorId: string | null, actorEmail: string | null, action: string) => {
    const at = new Date(Date.UTC(2026, 0, 1, 0, 0, id)).toISOString();
    const row = { id, at, actorId, actorEmail, action, targetType: null, targetId: null, blueprintId: null, outcome: 'success', detail: { n: id } };
    const hash = createHash('sha256').update(prev).update('\n').update(canonicalJson(row)).digest('hex');
    await db.insertInto('audit_log').values({
      id, at: new Date(at), actor_id: actorId, actor_email: actorEmail, action, target_type: null, target_id: null, blueprint_id: null,
      outcome: 'success', detail: JSON.stringify(row.detail), prev_hash: prev, hash,
    } as never).execute();
    await db.updateTable('audit_head').set({ last_id: id, last_hash: hash }).execute();
    return hash;
  };

  it('verifies a chain written before actors had kinds, across the migration, and guards the kind from then on', async () => {
    const t2 = await openTestDatabase();
    try {
      // The schema as a portal before 0016 left it, with a chain it wrote.
      await sql.raw('alter table audit_log drop column actor_kind, drop column actor_name').execute(t2.db);
      await sql.raw('delete from schema_migrations where version = 16').execute(t2.db);
      let prev = '';
      prev = await legacyAppend(t2.db, 1, prev, 'u1', 'a@x.io', 'workspace.create');
      prev = await legacyAppend(t2.db, 2, prev, null, 'system', 'workspace.running');
      prev = await legacyAppend(t2.db, 3, prev, null, 'scim', 'scim.user.create');
      prev = await legacyAppend(t2.db, 4, prev, null, 'operator (root)', 'user.password.reset');
      prev = await legacyAppend(t2.db, 5, prev, null, 'mallory@x.io', 'auth.login');
      await migrate(t2.db);

      const log2 = new AuditLog(t2.db, new FakeClock());
      expect(await log2.verify()).toEqual({ ok: true, checked: 5 });
      // Old rows read as the actors they named in words.
      expect((await log2.list({ limit: 10 })).reverse().map((e) => e.actor)).toEqual([
        { kind: 'user', id: 'u1', email: 'a@x.io' },
        { kind: 'system', name: 'system' },
        { kind: 'system', name: 'scim' },
        { kind: 'system', name: 'operator', id: 'root' },
        { kind: 'anonymous', email: 'mallory@x.io' },
      ]);
      await log2.append({ actor: SCIM_ACTOR, action: 'scim.user.update', outcome: 'success' });
      await log2.append({ actor: RECONCILER, action: 'workspace.stopped', outcome: 'success' });
      expect(await log2.verify()).toEqual({ ok: true, checked: 7 });

      const asSuperuser2 = async (statement: string) => {
        await sql.raw('alter table audit_log disable trigger audit_log_no_update').execute(t2.db);
        await sql.raw(statement).execute(t2.db);
        await sql.raw('alter table audit_log enable trigger audit_log_no_update').execute(t2.db);
      };
      // Giving an old row a kind, or taking a new row's, or renaming a system actor, breaks the chain there.
      await asSuperuser2(`update audit_log set actor_kind = 'system', actor_name = 'reconciler', actor_email = null where id = 2`);
      expect(await log2.verify()).toMatchObject({ ok: false, firstBadId: '2' });
      await asSuperuser2(`update audit_log set actor_kind = null, actor_name = null, actor_email = 'system' where id = 2`);
      expect(await log2.verify()).toMatchObject({ ok: true });
      await asSuperuser2(`update audit_log set actor_kind = null, actor_name = null, actor_email = 'scim' where id = 6`);
      expect(await log2.verify()).toMatchObject({ ok: false, firstBadId: '6' });
      await asSuperuser2(`update audit_log set actor_kind = 'system', actor_name = 'scim', actor_email = null where id = 6`);
      await asSuperuser2(`update audit_log set actor_name = 'policy-sweeper' where id = 7`);
      expect(await log2.verify()).toMatchObject({ ok: false, firstBadId: '7' });
    } finally {
      await t2.close();
    }
  });
});
