import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface MasterKey { id: string; key: Buffer }

export interface Sealed { ciphertext: string; wrappedKey: string; masterKeyId: string }

/** A sealed value names a master key this ring doesn't hold (e.g. another process rotated the key file). */
export class UnknownMasterKeyError extends Error {
  constructor(readonly masterKeyId: string) { super(`master key ${masterKeyId} is not in the key ring`); }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A master key's id: a short fingerprint, stored beside each secret it wrapped. */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

function encrypt(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
}

function decrypt(key: Buffer, sealed: string, aad: string): Buffer {
  const buf = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(buf.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(buf.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

/**
 * AES-256-GCM envelope encryption. Every secret gets its own random data key; the
 * data key is wrapped by the current master key. Older master keys stay in the
 * ring so rows wrapped before a rotation still open while they are re-wrapped.
 * `context` (e.g. "blueprint:<id>/DB_PASSWORD") is bound as associated data, so a
 * ciphertext copied onto another row does not decrypt.
 */
export class SecretBox {
  private readonly byId: Map<string, Buffer>;

  constructor(readonly current: MasterKey, older: MasterKey[] = []) {
    if (current.key.length !== 32) throw new Error('a master key is 32 bytes');
    this.byId = new Map([current, ...older].map((k) => [k.id, k.key]));
  }

  seal(plaintext: string, context: string): Sealed {
    const dataKey = randomBytes(32);
    try {
      return {
        ciphertext: encrypt(dataKey, Buffer.from(plaintext, 'utf8'), context),
        wrappedKey: encrypt(this.current.key, dataKey, `${context}#key`),
        masterKeyId: this.current.id,
      };
    } finally {
      dataKey.fill(0);
    }
  }

  open(sealed: Sealed, context: string): string {
    const master = this.byId.get(sealed.masterKeyId);
    if (!master) throw new UnknownMasterKeyError(sealed.masterKeyId);
    const dataKey = decrypt(master, sealed.wrappedKey, `${context}#key`);
    try {
      return decrypt(dataKey, sealed.ciphertext, context).toString('utf8');
    } finally {
      dataKey.fill(0);
    }
  }

  /** Wraps the same data key under the current master key (rotation); the ciphertext is untouched. */
  rewrap(sealed: Sealed, context: string): Sealed {
    if (sealed.masterKeyId === this.current.id) return sealed;
    const master = this.byId.get(sealed.masterKeyId);
    if (!master) throw new UnknownMasterKeyError(sealed.masterKeyId);
    const dataKey = decrypt(master, sealed.wrappedKey, `${context}#key`);
    try {
      return { ciphertext: sealed.ciphertext, wrappedKey: encrypt(this.current.key, dataKey, `${context}#key`), masterKeyId: this.current.id };
    } finally {
      dataKey.fill(0);
    }
  }
}
