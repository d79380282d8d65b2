import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Tables } from '../db/schema.js';
import { newId } from '../ids.js';
import { SecretBox, UnknownMasterKeyError, type Sealed } from './secretBox.js';

type Db = Kysely<Tables> | Transaction<Tables>;

/** What the API may show of a secret: its name and a mask, never its value. */
export interface SecretInfo { name: string; masked: string; updatedAt: string }
export const SECRET_MASK = '••••••••';

/** Master keys that may change under a running process (see MasterKeyRing). */
export interface KeyRing { box(): SecretBox; reload(): SecretBox }

type SecretRow = { scope: string; name: string; ciphertext: string; wrapped_key: string; master_key_id: string };

/** What a secret's ciphertext is bound to (AES-GCM associated data): its scope and name, so a row copied elsewhere does not open. */
export const secretContext = (scope: string, name: string): string => `${scope}/${name}`;

/**
 * Recoverable secrets (provider keys, blueprint credentials, the OIDC client
 * secret, the SCIM token), encrypted at rest with per-secret data keys.
 * A scope names the owner: `blueprint:<id>`, `oidc`, `scim`.
 */
export class Secrets {
  private readonly keys: KeyRing;

  constructor(private readonly db: Database, keys: SecretBox | KeyRing, private readonly clock: Clock) {
    this.keys = keys instanceof SecretBox ? { box: () => keys, reload: () => keys } : keys;
  }

  private context = secretContext;

  /** The id of the master key new secrets are sealed with. */
  get currentKeyId(): string { return this.keys.box().current.id; }

  /** Opens a row; a key id the ring doesn't know means the key file changed: re-read it once. */
  private open(r: SecretRow): string {
    const sealed: Sealed = { ciphertext: r.ciphertext, wrappedKey: r.wrapped_key, masterKeyId: r.master_key_id };
    try {
      return this.keys.box().open(sealed, this.context(r.scope, r.name));
    } catch (err) {
      if (!(err instanceof UnknownMasterKeyError)) throw err;
      return this.keys.reload().open(sealed, this.context(r.scope, r.name));
    }
  }

  async put(scope: string, name: string, value: string, tx?: Db): Promise<void> {
    const db = tx ?? this.db;
    const now = this.clock.now();
    const sealed = this.keys.box().seal(value, this.context(scope, name));
    await db.insertInto('secrets').values({
      id: newId(), scope, name, ciphertext: sealed.ciphertext, wrapped_key: sealed.wrappedKey,
      master_key_id: sealed.masterKeyId, created_at: now, updated_at: now,
    }).onConflict((oc) => oc.columns(['scope', 'name']).doUpdateSet({
      ciphertext: sealed.ciphertext, wrapped_key: sealed.wrappedKey, master_key_id: sealed.masterKeyId, updated_at: now,
    })).execute();
  }

  async get(scope: string, name: string): Promise<string | null> {
    const row = await this.db.selectFrom('secrets').selectAll().where('scope', '=', scope).where('name', '=', name).executeTakeFirst();
    return row ? this.open(row) : null;
  }

  /** Every secret of a scope, decrypted (for handing to a workspace's agent). */
  async getAll(scope: string): Promise<Record<string, string>> {
    const rows = await this.db.selectFrom('secrets').selectAll().where('scope', '=', scope).orderBy('name').execute();
    return Object.fromEntries(rows.map((r) => [r.name, this.open(r)]));
  }

  async list(scope: string): Promise<SecretInfo[]> {
    const rows = await this.db.selectFrom('secrets').select(['name', 'updated_at']).where('scope', '=', scope).orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, masked: SECRET_MASK, updatedAt: r.updated_at.toISOString() }));
  }

  async delete(scope: string, name: string, tx?: Db): Promise<boolean> {
    const r = await (tx ?? this.db).deleteFrom('secrets').where('scope', '=', scope).where('name', '=', name).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /** How many secrets each master key id wraps (rotation progress). */
  async countByKey(): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('secrets').select(['master_key_id']).select((eb) => eb.fn.countAll<number>().as('n'))
      .groupBy('master_key_id').execute();
    return Object.fromEntries(rows.map((r) => [r.master_key_id, Number(r.n)]));
  }

  /** Re-wraps every data key under the current master key, a batch per transaction. Returns how many changed. */
  async rewrapAll(batchSize = 200): Promise<number> {
    let changed = 0;
    const box = this.keys.reload();
    for (;;) {
      const n = await this.db.transaction().execute(async (tx) => {
        const rows = await tx.selectFrom('secrets').selectAll().where('master_key_id', '<>', box.current.id)
          .limit(batchSize).forUpdate().execute();
        for (const r of rows) {
          const sealed = box.rewrap({ ciphertext: r.ciphertext, wrappedKey: r.wrapped_key, masterKeyId: r.master_key_id }, this.context(r.scope, r.name));
          await tx.updateTable('secrets').set({ wrapped_key: sealed.wrappedKey, master_key_id: sealed.masterKeyId }).where('id', '=', r.id).execute();
        }
        return rows.length;
      });
      changed += n;
      if (n < batchSize) return changed;
    }
  }
}
