import { secretNameSchema } from '@paddock/protocol';
import type { AuditLog } from '../audit/auditLog.js';
import type { UserActor } from '../auth/actor.js';
import type { Database } from '../db/database.js';
import { InputError, NotFoundError } from '../errors.js';
import type { SecretInfo, Secrets } from './secrets.js';

/** Names the sandbox sets itself; a secret of that name would be silently overridden. */
const RESERVED = new Set(['HOME', 'USER', 'LOGNAME', 'SHELL', 'PATH', 'LANG', 'TERM']);

const scopeOf = (blueprintId: string) => `blueprint:${blueprintId}`;

/**
 * A blueprint's credentials (database passwords, API keys): write-only through
 * the API, handed to the blueprint's workspaces as environment variables when the
 * reconciler starts them. Audit records name the secret, never its value.
 */
export class BlueprintSecrets {
  constructor(private readonly db: Database, private readonly secrets: Secrets, private readonly audit: AuditLog) {}

  async list(blueprintId: string): Promise<SecretInfo[]> {
    await this.requireBlueprint(blueprintId);
    return this.secrets.list(scopeOf(blueprintId));
  }

  async put(blueprintId: string, name: string, value: string, by: UserActor): Promise<SecretInfo> {
    this.validateName(name);
    await this.requireBlueprint(blueprintId);
    await this.db.transaction().execute(async (tx) => {
      await this.secrets.put(scopeOf(blueprintId), name, value, tx);
      await this.audit.append({
        actor: by, action: 'blueprint.secret.put',
        targetType: 'blueprint', targetId: blueprintId, blueprintId, outcome: 'success', detail: { name },
      }, tx);
    });
    const info = (await this.secrets.list(scopeOf(blueprintId))).find((s) => s.name === name);
    if (!info) throw new NotFoundError('secret');
    return info;
  }

  async delete(blueprintId: string, name: string, by: UserActor): Promise<void> {
    this.validateName(name);
    await this.requireBlueprint(blueprintId);
    await this.db.transaction().execute(async (tx) => {
      if (!await this.secrets.delete(scopeOf(blueprintId), name, tx)) throw new NotFoundError('secret');
      await this.audit.append({
        actor: by, action: 'blueprint.secret.delete',
        targetType: 'blueprint', targetId: blueprintId, blueprintId, outcome: 'success', detail: { name },
      }, tx);
    });
  }

  /** The decrypted environment for a workspace of this blueprint (reconciler only; never logged). */
  envFor(blueprintId: string): Promise<Record<string, string>> {
    return this.secrets.getAll(scopeOf(blueprintId));
  }

  private validateName(name: string) {
    const parsed = secretNameSchema.safeParse(name);
    if (!parsed.success) throw new InputError(`invalid secret name "${name.slice(0, 80)}": ${parsed.error.issues[0]?.message ?? 'bad name'}`);
    if (RESERVED.has(name) || name.startsWith('PADDOCK_')) throw new InputError(`${name} is set by the workspace itself; choose another name`);
  }

  private async requireBlueprint(id: string) {
    const row = await this.db.selectFrom('blueprints').select('id').where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('blueprint');
  }
}
