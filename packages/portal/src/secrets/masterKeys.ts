import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { restrictToOwner } from '../ownerOnly.js';
import { SecretBox, masterKeyId, type MasterKey } from './secretBox.js';

/** Accepts 32 bytes as base64 or hex. */
export function parseMasterKey(text: string): MasterKey {
  const t = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Error('a master key is 32 bytes, written as base64 or hex');
  return { id: masterKeyId(key), key };
}

/**
 * The master key ring. PADDOCK_MASTER_KEY (plus PADDOCK_MASTER_KEY_PREVIOUS,
 * comma-separated, during a rotation) when set; otherwise a key file created on
 * first start with mode 0600: one key per line, the current one first.
 */
export function loadMasterKeys(options: MasterKeyOptions): { current: MasterKey; older: MasterKey[] } {
  if (options.envKey) {
    return {
      current: parseMasterKey(options.envKey),
      older: (options.envPrevious ?? '').split(',').filter((s) => s.trim()).map(parseMasterKey),
    };
  }
  if (!existsSync(options.keyFile)) {
    mkdirSync(dirname(options.keyFile), { recursive: true, mode: 0o700 });
    writeFileSync(options.keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  restrictToOwner(options.keyFile);
  const [current, ...older] = readFileSync(options.keyFile, 'utf8').split('\n').filter((l) => l.trim()).map(parseMasterKey);
  if (!current) throw new Error(`the master key file ${options.keyFile} is empty`);
  return { current, older };
}

export interface MasterKeyOptions { envKey?: string | undefined; envPrevious?: string | undefined; keyFile: string }

/** A fresh random master key. */
export function generateMasterKey(): MasterKey {
  return parseMasterKey(randomBytes(32).toString('base64'));
}

/**
 * Replaces the key file atomically (a 0600 temporary file beside it, fsynced,
 * then renamed over it): a portal reading it sees the old ring or the new one,
 * never half a file.
 */
export function writeMasterKeyFile(keyFile: string, keys: MasterKey[]): void {
  if (keys.length === 0) throw new Error('a key file holds at least one key');
  const dir = dirname(keyFile);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(keyFile)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, keys.map((k) => `${k.key.toString('base64')}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, keyFile);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  const dirFd = openSync(dir, 'r');
  try { fsyncSync(dirFd); } finally { closeSync(dirFd); }
}

/**
 * The portal's master keys. With a key file, the ring follows the file: it is
 * re-read whenever the file changes (checked before each use, one stat) and when
 * a secret names a key the ring doesn't hold, so `paddock admin rotate-master-key`
 * works under a running portal. Environment keys are fixed for the process's life.
 */
export class MasterKeyRing {
  private current: SecretBox;
  private stamp: string | undefined;

  constructor(private readonly options: MasterKeyOptions) {
    this.current = this.load();
  }

  /** Where keys come from, for messages: never the keys themselves. */
  get source(): 'environment' | 'file' { return this.options.envKey ? 'environment' : 'file'; }

  box(): SecretBox {
    if (this.source === 'file' && this.fileStamp() !== this.stamp) this.current = this.load();
    return this.current;
  }

  reload(): SecretBox {
    this.current = this.load();
    return this.current;
  }

  private load(): SecretBox {
    // Stamp first: a file replaced while we read it is then read again next time.
    const stamp = this.source === 'file' ? this.fileStamp() : undefined;
    const keys = loadMasterKeys(this.options);
    this.stamp = stamp ?? (this.source === 'file' ? this.fileStamp() : undefined);
    return new SecretBox(keys.current, keys.older);
  }

  private fileStamp(): string | undefined {
    try {
      const st = statSync(this.options.keyFile);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return undefined;
    }
  }
}
