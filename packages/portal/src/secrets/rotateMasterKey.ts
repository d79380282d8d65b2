import type { AuditLog } from '../audit/auditLog.js';
import type { Actor } from '../auth/actor.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { generateMasterKey, loadMasterKeys, writeMasterKeyFile, type MasterKeyOptions } from './masterKeys.js';
import { SecretBox, type MasterKey } from './secretBox.js';
import { Secrets } from './secrets.js';

export interface RotationResult {
  newKeyId: string;
  retiredKeyIds: string[];
  rewrapped: number;
}

export interface RotateOptions {
  db: Database;
  keyFile: string;
  clock: Clock;
  /** Where the rotation is recorded, and as whom (an admin through the API, the operator's `paddock admin`). */
  audit?: { log: AuditLog; by: Actor };
  /**
   * How long to wait after publishing [new, old] before re-wrapping, so a portal
   * that read the old file just before can finish sealing with the old key.
   */
  graceMs?: number;
  /** Called between steps (tests, progress output). */
  onStep?: (step: 'published' | 'rewrapped' | 'retired') => void | Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Rotates the master key in the key file without downtime:
 * 1. write [new, old…] (atomically): running portals re-read the file on their
 *    next use, seal with the new key and still open rows wrapped by the old ones;
 * 2. re-wrap every data key under the new key (ciphertexts are untouched);
 * 3. when no row names an old key any more, write [new]: the old key is gone.
 * A row sealed with an old key by a portal that raced step 1 is caught by the
 * recount and re-wrapped before the old key is dropped.
 */
export async function rotateMasterKeyFile(options: RotateOptions): Promise<RotationResult> {
  const { db, keyFile, clock } = options;
  const before = loadMasterKeys({ keyFile });
  const oldKeys = [before.current, ...before.older];
  const fresh = generateMasterKey();
  const ring: MasterKey[] = [fresh, ...oldKeys];
  writeMasterKeyFile(keyFile, ring);
  await options.onStep?.('published');
  await sleep(options.graceMs ?? 2_000);

  const secrets = new Secrets(db, new SecretBox(fresh, oldKeys), clock);
  const stale = async () => {
    const others = Object.entries(await secrets.countByKey()).filter(([id]) => id !== fresh.id);
    const unknown = others.filter(([id]) => !oldKeys.some((k) => k.id === id));
    if (unknown.length) throw new Error(`secrets wrapped by master keys not in ${keyFile}: ${unknown.map(([id]) => id).join(', ')}`);
    return others.length > 0;
  };
  let rewrapped = 0;
  for (let attempt = 0; ; attempt++) {
    if (attempt >= 5) throw new Error('secrets keep being sealed with an old master key; is a portal using another key file?');
    rewrapped += await secrets.rewrapAll();
    await options.onStep?.('rewrapped');
    if (await stale()) continue;
    writeMasterKeyFile(keyFile, [fresh]);
    // A write sealed with an old key just before the file changed may land after the count:
    // put the old keys back and re-wrap it rather than strand it.
    if (!await stale()) break;
    writeMasterKeyFile(keyFile, ring);
  }
  await options.onStep?.('retired');

  const retiredKeyIds = oldKeys.map((k) => k.id);
  await options.audit?.log.append({
    actor: options.audit.by, action: 'secrets.rotate_master_key', targetType: 'master_key', targetId: fresh.id,
    blueprintId: null, outcome: 'success', detail: { retiredKeyIds, rewrapped },
  });
  return { newKeyId: fresh.id, retiredKeyIds, rewrapped };
}

/**
 * Re-wraps every data key under the current master key as configured (the
 * environment's PADDOCK_MASTER_KEY, or the key file), for rotating environment
 * keys: set the new key and PADDOCK_MASTER_KEY_PREVIOUS, run this, then drop the previous.
 */
export async function rewrapSecrets(options: { db: Database; keys: MasterKeyOptions; clock: Clock; audit?: { log: AuditLog; by: Actor } }): Promise<{ keyId: string; rewrapped: number; byKey: Record<string, number> }> {
  const keys = loadMasterKeys(options.keys);
  const secrets = new Secrets(options.db, new SecretBox(keys.current, keys.older), options.clock);
  const rewrapped = await secrets.rewrapAll();
  const byKey = await secrets.countByKey();
  await options.audit?.log.append({
    actor: options.audit.by, action: 'secrets.rewrap', targetType: 'master_key', targetId: keys.current.id,
    blueprintId: null, outcome: 'success', detail: { rewrapped },
  });
  return { keyId: keys.current.id, rewrapped, byKey };
}
