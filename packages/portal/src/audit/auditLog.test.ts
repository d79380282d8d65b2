import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { FakeClock } from '../clock.js';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { AuditLog } from './auditLog.js';

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
      await log.append({ actorId: 'u1', actorEmail: 'a@x.io', action: 'workspace.create', targetType: 'workspace', targetId: `w${i}`, outcome: 'success', detail: { z: 1, a: { c: 2, b: 3 } } });
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
});
