import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/auditLog.js';
import { systemClock } from '../clock.js';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { MasterKeyRing, loadMasterKeys } from './masterKeys.js';
import { rotateMasterKeyFile } from './rotateMasterKey.js';
import { operatorActor } from '../auth/actor.js';
import { Secrets } from './secrets.js';

describe('rotating the master key under a running portal', () => {
  let database: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'paddock-keys-'));
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never fails a read, leaves every row on the new key, and drops the old key', async () => {
    const keyFile = join(dir, 'master.key');
    // Two "portals" sharing the key file: one busy throughout, one idle until the end.
    const busy = new Secrets(database.db, new MasterKeyRing({ keyFile }), systemClock);
    const idle = new Secrets(database.db, new MasterKeyRing({ keyFile }), systemClock);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const oldKeyId = loadMasterKeys({ keyFile }).current.id;

    const expected = new Map<string, string>();
    for (let i = 0; i < 60; i++) {
      expected.set(`S${i}`, `value-${i}-${Math.random()}`);
      await busy.put('blueprint:rot', `S${i}`, expected.get(`S${i}`)!);
    }

    let reads = 0;
    let writes = 0;
    const failures: unknown[] = [];
    let rotating = true;
    const serve = (async () => {
      while (rotating) {
        try {
          const all = await busy.getAll('blueprint:rot');
          for (const [name, value] of expected) if (all[name] !== value) failures.push(`${name} read ${all[name]}`);
          // Writes keep coming too: some sealed before the new key is published, some after.
          const name = `W${writes++}`;
          expected.set(name, `written-${writes}`);
          await busy.put('blueprint:rot', name, expected.get(name)!);
          reads++;
        } catch (err) {
          failures.push(err);
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();

    const steps: string[] = [];
    const result = await rotateMasterKeyFile({
      db: database.db, keyFile, clock: systemClock, audit: { log: new AuditLog(database.db, systemClock), by: operatorActor('test') }, graceMs: 200,
      onStep: async (step) => {
        steps.push(step);
        // The portal serves a few more reads and writes between every step of the rotation, however slow the machine.
        const until = reads + 3;
        while (reads < until && failures.length === 0) await new Promise((r) => setTimeout(r, 5));
      },
    });
    rotating = false;
    await serve;

    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThanOrEqual(9);
    // A write that raced the retirement would add a re-wrap round; the order holds either way.
    expect(steps[0]).toBe('published');
    expect(steps.at(-1)).toBe('retired');
    expect(steps.slice(1, -1).every((s) => s === 'rewrapped') && steps.length >= 3).toBe(true);
    expect(result.retiredKeyIds).toEqual([oldKeyId]);
    expect(result.rewrapped).toBeGreaterThanOrEqual(60);

    // Every row names the new key; the file holds only the new key, still 0600.
    const rows = await database.db.selectFrom('secrets').select(['master_key_id']).execute();
    expect(new Set(rows.map((r) => r.master_key_id))).toEqual(new Set([result.newKeyId]));
    const ring = loadMasterKeys({ keyFile });
    expect(ring.current.id).toBe(result.newKeyId);
    expect(ring.older).toEqual([]);
    expect(readFileSync(keyFile, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    // The portal that slept through the rotation reads everything, and so does a fresh start.
    const fresh = new Secrets(database.db, new MasterKeyRing({ keyFile }), systemClock);
    for (const reader of [idle, busy, fresh]) expect(await reader.getAll('blueprint:rot')).toEqual(Object.fromEntries(expected));
    expect(busy.currentKeyId).toBe(result.newKeyId);

    const audit = await new AuditLog(database.db, systemClock).list({ limit: 10 });
    expect(audit.find((e) => e.action === 'secrets.rotate_master_key')).toMatchObject({ actor: { kind: 'system', name: 'operator', id: 'test' }, targetId: result.newKeyId });
  });
});
