import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import pino from 'pino';
import { sql } from 'kysely';
import type { PortalEvents, Workspace } from '@paddock/protocol';
import { AuditLog } from '../audit/auditLog.js';
import { Identity } from '../auth/identity.js';
import { BlueprintAccessControl } from '../blueprints/blueprintAccess.js';
import { Blueprints } from '../blueprints/blueprints.js';
import { FakeClock } from '../clock.js';
import { openDatabase, type Database } from '../db/database.js';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { readWorkspace } from '../workspaces/workspaces.js';
import { InProcessEventBus, type EventBus } from './eventBus.js';
import { EVENTS_CHANNEL, LISTENER_APPLICATION_NAME, PgEventBus } from './pgEventBus.js';
import { BOOTSTRAP } from '../auth/actor.js';
import { engineSpecific } from '../testing/engineSpecific.js';

class LogLines extends Writable {
  lines: Array<{ level: number; msg: string }> = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    for (const line of chunk.toString().split('\n')) if (line) this.lines.push(JSON.parse(line) as { level: number; msg: string });
    cb();
  }
  has(text: string) { return this.lines.some((l) => l.msg.includes(text)); }
}

const usage = (n: number, over: Partial<PortalEvents['usage']> = {}): PortalEvents['usage'] => ({
  workspaceId: 'ws-1', userId: 'u-1', blueprintId: 'bp-1', model: 'sim', inputTokens: n, outputTokens: 1,
  cacheReadTokens: 0, cacheWriteTokens: 0, at: '2026-01-01T00:00:00.000Z', ...over,
});

/** Waits for a condition, generously: the machine is shared and slow. */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 25))) {
    if (await condition()) return;
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the in-process event bus', () => {
  it('delivers each event to every subscriber of its topic, at once and in order, and to no one else', () => {
    const bus: EventBus = new InProcessEventBus(pino({ level: 'silent' }));
    const first: number[] = [];
    const second: number[] = [];
    const governance: unknown[] = [];
    bus.on('usage', (e) => { first.push(e.inputTokens); });
    bus.on('usage', (e) => { second.push(e.inputTokens); });
    bus.on('governance', (e) => { governance.push(e); });
    for (let n = 1; n <= 3; n++) bus.publish('usage', usage(n));
    // Delivered before publish returns: a request's own live view never waits for the database.
    expect(first).toEqual([1, 2, 3]);
    expect(second).toEqual([1, 2, 3]);
    expect(governance).toEqual([]);
  });

  it('keeps subscribers apart: one that throws or rejects is logged, and the others hear every event', async () => {
    const log = new LogLines();
    const bus = new InProcessEventBus(pino({ level: 'info' }, log));
    const heard: number[] = [];
    bus.on('usage', () => { throw new Error('a broken subscriber'); });
    bus.on('usage', async () => { throw new Error('a broken async subscriber'); });
    bus.on('usage', (e) => { heard.push(e.inputTokens); });
    expect(() => bus.publish('usage', usage(1))).not.toThrow();
    bus.publish('usage', usage(2));
    expect(heard).toEqual([1, 2]);
    await until('the rejections to be logged', () => log.lines.filter((l) => l.msg.includes('an event subscriber failed')).length === 4);
  });

  it('ends one subscription when asked, even one made by the same function twice, and lets a subscriber leave while it is called', () => {
    const bus = new InProcessEventBus(pino({ level: 'silent' }));
    const heard: string[] = [];
    const listener = (e: PortalEvents['usage']) => { heard.push(`l${e.inputTokens}`); };
    const a = bus.on('usage', listener);
    bus.on('usage', listener);
    const leaving = bus.on('usage', (e) => { heard.push(`once${e.inputTokens}`); leaving(); });
    bus.publish('usage', usage(1));
    a();
    bus.publish('usage', usage(2));
    expect(heard).toEqual(['l1', 'l1', 'once1', 'l2']);
  });
});

/**
 * A loopback TCP proxy whose open connections can be frozen: nothing passes any more,
 * nothing closes, as when a network path dies without a word. New connections pass.
 */
class FreezingProxy {
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private server!: net.Server;
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      const pair: [net.Socket, net.Socket] = [client, upstream];
      this.pairs.add(pair);
      for (const s of pair) s.on('error', () => { client.destroy(); upstream.destroy(); });
      client.on('close', () => this.pairs.delete(pair));
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  freezeAll(): number {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    return this.pairs.size;
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) for (const s of pair) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// Only PostgreSQL has LISTEN/NOTIFY between processes (PGlite runs inside one): these run in the PostgreSQL pass.
engineSpecific('postgres', 'LISTEN/NOTIFY carries events between processes; PGlite runs inside one', () => {
  describe('the event bus over PostgreSQL', () => {
    let t: TestDatabase;
    let otherPool: Database;
    let workspace: Workspace;
    const buses: PgEventBus[] = [];
    const log = new LogLines();

    /** A bus as a portal has it: over its own pool (`db`), listening on a connection of its own. */
    async function bus(options: { db?: Database; url?: string; pingEveryMs?: number; pingTimeoutMs?: number; maxBackoffMs?: number } = {}) {
      const db = options.db ?? t.db;
      const b = new PgEventBus({
        url: options.url ?? t.url!, db, log: pino({ level: 'info' }, log), readWorkspace: (id) => readWorkspace(db, id),
        ...options,
      });
      buses.push(b);
      await b.start();
      return b;
    }

    const listenerPids = async () => (await sql<{ pid: number }>`select pid from pg_stat_activity
      where datname = current_database() and application_name = ${LISTENER_APPLICATION_NAME} and query ilike 'listen%'`.execute(t.db)).rows.map((r) => r.pid);

    beforeAll(async () => {
      t = await openTestDatabase();
      otherPool = await openDatabase({ url: t.url });
      const clock = new FakeClock();
      const audit = new AuditLog(t.db, clock);
      const owner = await new Identity(t.db, clock, audit).createUser({ email: 'kim@example.com', name: 'Kim', role: 'builder', password: 'a-long-enough-password' }, BOOTSTRAP);
      const blueprint = await new Blueprints(t.db, clock, audit, new BlueprintAccessControl(t.db, clock, audit)).create({ name: 'B', description: '' }, BOOTSTRAP);
      await t.db.insertInto('workspaces').values({
        id: 'ws-1', name: 'w', owner_id: owner.id, blueprint_id: blueprint.id, agent_id: null,
        state: 'pending', desired_state: 'running', state_message: '', created_at: clock.now(), updated_at: clock.now(),
      }).execute();
      workspace = (await readWorkspace(t.db, 'ws-1'))!;
    });
    afterEach(async () => {
      for (const b of buses.splice(0)) await b.close();
    });
    afterAll(async () => {
      await otherPool?.destroy();
      await t?.close();
    });

    it('carries an event from one portal to the subscribers of another, once, and not back to its sender', async () => {
      const a = await bus();
      const b = await bus({ db: otherPool });
      const heardByA: number[] = [];
      const heardByB: number[] = [];
      a.on('usage', (e) => { heardByA.push(e.inputTokens); });
      b.on('usage', (e) => { heardByB.push(e.inputTokens); });
      a.publish('usage', usage(7));
      expect(heardByA).toEqual([7]); // at once, from publish
      await until('the other portal to hear it', () => heardByB.length > 0);
      b.publish('usage', usage(8));
      await until('the first portal to hear the answer', () => heardByA.length === 2);
      // A marker after both, so nothing late is still on its way.
      a.publish('usage', usage(9));
      await until('the marker', () => heardByB.includes(9));
      expect(heardByA).toEqual([7, 8, 9]);
      expect(heardByB).toEqual([7, 8, 9]);
    });

    it('sends a workspace as its id: the other portal reads it as it is now, however large', async () => {
      const a = await bus();
      const b = await bus({ db: otherPool });
      const heard: Workspace[] = [];
      b.on('workspace', (w) => { heard.push(w); });
      // Larger than a notification may be, and newer than the event the first portal sends.
      const message = 'the runtime said: ' + 'x'.repeat(9000);
      await t.db.updateTable('workspaces').set({ state: 'failed', state_message: message }).where('id', '=', 'ws-1').execute();
      a.publish('workspace', workspace);
      await until('the workspace to arrive', () => heard.length > 0);
      expect(heard[0]).toMatchObject({ id: 'ws-1', state: 'failed', stateMessage: message, ownerEmail: 'kim@example.com' });
    });

    it('keeps the order of a burst and loses none of it', async () => {
      const a = await bus();
      const b = await bus({ db: otherPool });
      const heard: number[] = [];
      b.on('usage', (e) => { heard.push(e.inputTokens); });
      for (let n = 0; n < 500; n++) a.publish('usage', usage(n)); // more than one statement's worth
      await until('all 500', () => heard.length === 500);
      expect(heard).toEqual(Array.from({ length: 500 }, (_, n) => n));
    });

    it('opens another listening connection when the server ends it, tells subscribers to resynchronise, and hears again', async () => {
      const a = await bus();
      const b = await bus({ db: otherPool, maxBackoffMs: 500 });
      const heard: number[] = [];
      let missed = 0;
      b.on('usage', (e) => { heard.push(e.inputTokens); });
      b.onMissed(() => { missed += 1; });
      const before = await listenerPids();
      expect(before).toHaveLength(2);
      const admin = new pg.Client({ connectionString: t.url });
      await admin.connect();
      await admin.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [before]);
      await admin.end();
      // Published while nobody listens: at most once, so this one is gone, and `missed` says so.
      a.publish('usage', usage(1));
      await until('a new listening connection', async () => b.listening && (await listenerPids()).filter((p) => !before.includes(p)).length === 2);
      expect(missed).toBe(1);
      a.publish('usage', usage(2));
      await until('an event after the reconnect', () => heard.includes(2));
      expect(log.has("the connection listening for other portals' events was lost")).toBe(true);
    });

    it('notices a listening connection that stops answering without closing, and opens another', async () => {
      const target = new URL(t.url!);
      const proxy = new FreezingProxy({ host: target.hostname, port: Number(target.port || 5432) });
      await proxy.start();
      try {
        const viaProxy = new URL(t.url!);
        viaProxy.hostname = '127.0.0.1';
        viaProxy.port = String(proxy.port);
        const a = await bus();
        const b = await bus({ url: viaProxy.toString(), pingEveryMs: 200, pingTimeoutMs: 1_000, maxBackoffMs: 500 });
        const heard: number[] = [];
        let missed = 0;
        b.on('usage', (e) => { heard.push(e.inputTokens); });
        b.onMissed(() => { missed += 1; });
        expect(b.listening).toBe(true);
        expect(proxy.freezeAll()).toBe(1);
        await until('the silence to be noticed', () => !b.listening);
        await until('a new listening connection', () => b.listening && missed === 1);
        a.publish('usage', usage(3));
        await until('an event after the reconnect', () => heard.includes(3));
      } finally {
        await proxy.close();
      }
    });

    it('keeps trying while the database refuses it, never throwing into the portal, and listens once it can', async () => {
      const refused = await new Promise<net.Server>((resolve) => { const s = net.createServer((c) => c.destroy()); s.listen(0, '127.0.0.1', () => resolve(s)); });
      const port = (refused.address() as net.AddressInfo).port;
      const url = new URL(t.url!);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      const b = await bus({ url: url.toString(), maxBackoffMs: 300 });
      expect(b.listening).toBe(false);
      const local: number[] = [];
      b.on('usage', (e) => { local.push(e.inputTokens); });
      b.publish('usage', usage(4)); // sent through the pool, heard here at once
      expect(local).toEqual([4]);
      await until('a few refused attempts', () => log.lines.filter((l) => l.msg.includes('could not be opened; trying again')).length >= 3);
      // The server comes back on the same address.
      const target = new URL(t.url!);
      await new Promise<void>((resolve) => refused.close(() => resolve()));
      const proxy = await new Promise<net.Server>((resolve) => {
        const s = net.createServer((c) => { const up = net.connect(Number(target.port || 5432), target.hostname); c.pipe(up).pipe(c); up.on('error', () => c.destroy()); c.on('error', () => up.destroy()); });
        s.listen(port, '127.0.0.1', () => resolve(s));
      });
      try {
        await until('listening at last', () => b.listening);
      } finally {
        await b.close();
        buses.splice(buses.indexOf(b), 1);
        await new Promise<void>((resolve) => { proxy.close(() => resolve()); });
      }
    });

    it('does not hold up the portal behind a server that takes the connection and never answers', async () => {
      const held: net.Socket[] = [];
      const silent = await new Promise<net.Server>((resolve) => { const s = net.createServer((c) => { held.push(c); }); s.listen(0, '127.0.0.1', () => resolve(s)); });
      try {
        const url = new URL(t.url!);
        url.hostname = '127.0.0.1';
        url.port = String((silent.address() as net.AddressInfo).port);
        const before = log.lines.filter((l) => l.msg.includes('could not be opened; trying again')).length;
        const b = await bus({ url: url.toString(), pingTimeoutMs: 500, maxBackoffMs: 300 }); // returns: the start is not held
        expect(b.listening).toBe(false);
        await until('a second try', () => log.lines.filter((l) => l.msg.includes('could not be opened; trying again')).length >= before + 2);
      } finally {
        for (const c of held) c.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    });

    it('takes nothing from its channel that is not a well-formed event of a known topic', async () => {
      const b = await bus({ db: otherPool });
      const a = await bus();
      const heard: unknown[] = [];
      b.on('usage', (e) => { heard.push(e); });
      b.on('workspace', (e) => { heard.push(e); });
      b.on('governance', (e) => { heard.push(e); });
      const forged = [
        'not json',
        JSON.stringify({ v: 1, from: 'x', seq: 0, topic: 'nonsense', data: {} }),
        JSON.stringify({ v: 1, from: 'x', seq: 1, topic: 'usage', data: { inputTokens: -1 } }),
        JSON.stringify({ v: 1, from: 'x', seq: 2, topic: 'workspace', data: { id: { $ne: 1 } } }),
        JSON.stringify({ v: 1, from: 'x', seq: 3, topic: 'workspace', data: { id: 'no-such-workspace' } }),
        JSON.stringify({ v: 2, from: 'x', seq: 4, topic: 'governance', data: { decisionId: 'd', workspaceId: 'w' } }),
      ];
      for (const payload of forged) await sql`select pg_notify(${EVENTS_CHANNEL}, ${payload})`.execute(t.db);
      a.publish('governance', { decisionId: 'd-1', workspaceId: 'ws-1' });
      await until('the one real event', () => heard.length > 0);
      expect(heard).toEqual([{ decisionId: 'd-1', workspaceId: 'ws-1' }]);
      expect(log.has('is not an event; ignored')).toBe(true);
      expect(log.has('does not match its topic; ignored')).toBe(true);
    });

    it('delivers an event too large for a notification in this portal only, and says so', async () => {
      const a = await bus();
      const b = await bus({ db: otherPool });
      const here: string[] = [];
      const there: string[] = [];
      a.on('usage', (e) => { here.push(e.model); });
      b.on('usage', (e) => { there.push(e.model); });
      a.publish('usage', usage(1, { model: 'm'.repeat(9000) }));
      a.publish('usage', usage(2, { model: 'small' }));
      await until('the small one', () => there.length > 0);
      expect(here.map((m) => m.length)).toEqual([9000, 5]);
      expect(there).toEqual(['small']);
      expect(log.has('an event too large for a notification reached only this portal')).toBe(true);
    });
  });
});
