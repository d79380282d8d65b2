import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/auditLog.js';
import { FakeClock } from '../clock.js';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { Identity, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from './identity.js';
import { SCIM_ACTOR, operatorActor } from './actor.js';

describe('sessions', () => {
  let t: TestDatabase;
  let clock: FakeClock;
  let identity: Identity;
  let userId: string;
  const hour = 60 * 60 * 1000;

  beforeAll(async () => {
    t = await openTestDatabase();
    clock = new FakeClock();
    identity = new Identity(t.db, clock, new AuditLog(t.db, clock));
    userId = (await identity.createUser({ email: 'sam@example.com', name: 'Sam', role: 'builder', password: 'a-long-enough-password' }, operatorActor('test'))).id;
  });
  afterAll(async () => { await t.close(); });

  const open = async () => (await identity.openSession(userId, { ip: '127.0.0.1', userAgent: 'test', method: 'password' })).sessionId;

  it('ends after the idle timeout, and use keeps it alive', async () => {
    const active = await open();
    const idle = await open();
    clock.advance(SESSION_IDLE_MS - hour);
    expect(await identity.actorFromSession(active)).not.toBeNull(); // used: its idle clock restarts
    clock.advance(2 * hour);
    expect(await identity.actorFromSession(idle)).toBeNull(); // idle for longer than the limit
    expect(await identity.actorFromSession(active)).not.toBeNull();
    // An expired session is gone for good, not just refused once.
    expect(await t.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()).toHaveLength(1);
  });

  it('ends at the absolute timeout however active it is', async () => {
    const session = await open();
    let elapsed = 0;
    while (elapsed + SESSION_IDLE_MS / 2 < SESSION_ABSOLUTE_MS) {
      clock.advance(SESSION_IDLE_MS / 2);
      elapsed += SESSION_IDLE_MS / 2;
      expect(await identity.actorFromSession(session)).not.toBeNull();
    }
    clock.advance(SESSION_ABSOLUTE_MS - elapsed);
    expect(await identity.actorFromSession(session)).toBeNull();
  });

  it('ends every session and token of a deactivated user at once', async () => {
    const session = await open();
    const token = await identity.createToken(userId, 'ci');
    expect(await identity.actorFromToken(token.token)).not.toBeNull();
    await identity.deactivate(userId, SCIM_ACTOR, 'test');
    expect(await identity.actorFromSession(session)).toBeNull();
    expect(await identity.actorFromToken(token.token)).toBeNull();
  });
});
