import { sql, type Expression, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import type { BlueprintAccess } from '@paddock/protocol';
import type { AuditLog } from '../audit/auditLog.js';
import type { UserActor } from '../auth/actor.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Tables } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import { newId } from '../ids.js';

/**
 * SQL for "this user may use this blueprint", over any two expressions (values or
 * columns): the one statement of the rule, for the catalog, a single check and the
 * sweep over running workspaces alike. Admins (and auditors, who only read) may use
 * every blueprint; others open ones, and restricted ones they match a rule of:
 * their email, its domain, their role, a group they belong to (by display name),
 * or a grant to their user id. Rule values are stored lowercase.
 */
export function mayUseBlueprint(userId: Expression<string> | RawBuilder<string>, blueprintId: Expression<string> | RawBuilder<string>): RawBuilder<SqlBool> {
  return sql<SqlBool>`exists (
    select 1 from users u join blueprints b on b.id = ${blueprintId}
    where u.id = ${userId} and (
      u.role in ('admin', 'auditor')
      or b.access = 'open'
      or exists (
        select 1 from blueprint_access_rules r where r.blueprint_id = b.id and (
          (r.kind = 'email' and r.value = lower(u.email))
          or (r.kind = 'domain' and r.value = split_part(lower(u.email), '@', 2))
          or (r.kind = 'role' and r.value = u.role)
          or (r.kind = 'user' and r.value = lower(u.id))
          or (r.kind = 'group' and exists (
            select 1 from group_members gm join groups g on g.id = gm.group_id
            where gm.user_id = u.id and lower(g.display_name) = r.value))
        )
      )
    )
  )`;
}

/** Who may use which blueprint (see mayUseBlueprint for the rule). */
export class BlueprintAccessControl {
  constructor(private readonly db: Database, private readonly clock: Clock, private readonly audit: AuditLog) {}

  /** The ids of the blueprints the actor may use. */
  async usableIds(actor: UserActor): Promise<Set<string>> {
    const rows = await this.db.selectFrom('blueprints').select('id')
      .where(mayUseBlueprint(sql.val(actor.user.id), sql.ref('blueprints.id'))).execute();
    return new Set(rows.map((r) => r.id));
  }

  /** Whether the user may use the blueprint now (inside the caller's transaction when given). */
  async mayUse(userId: string, blueprintId: string, db: Database | Transaction<Tables> = this.db): Promise<boolean> {
    const row = await db.selectNoFrom(mayUseBlueprint(sql.val(userId), sql.val(blueprintId)).as('ok')).executeTakeFirstOrThrow();
    return Boolean(row.ok);
  }

  /** Throws NotFoundError (nothing leaks) unless the actor may use the blueprint. */
  async assertUsable(actor: UserActor, blueprintId: string): Promise<void> {
    if (!(await this.mayUse(actor.user.id, blueprintId))) throw new NotFoundError('blueprint');
  }

  async get(blueprintId: string): Promise<BlueprintAccess> {
    const bp = await this.db.selectFrom('blueprints').select('access').where('id', '=', blueprintId).executeTakeFirst();
    if (!bp) throw new NotFoundError('blueprint');
    const rules = await this.db.selectFrom('blueprint_access_rules').select(['kind', 'value'])
      .where('blueprint_id', '=', blueprintId).orderBy('kind').orderBy('value').execute();
    return { access: bp.access, rules };
  }

  /** Replaces the blueprint's access mode and rules in one transaction. */
  async set(blueprintId: string, access: BlueprintAccess, by: UserActor): Promise<BlueprintAccess> {
    const now = this.clock.now();
    const unique = [...new Map(access.rules.map((r) => [`${r.kind}:${r.value}`, r])).values()];
    await this.db.transaction().execute(async (tx) => {
      const bp = await tx.updateTable('blueprints').set({ access: access.access, updated_at: now })
        .where('id', '=', blueprintId).returning('id').executeTakeFirst();
      if (!bp) throw new NotFoundError('blueprint');
      await tx.deleteFrom('blueprint_access_rules').where('blueprint_id', '=', blueprintId).execute();
      if (unique.length) {
        await tx.insertInto('blueprint_access_rules')
          .values(unique.map((r) => ({ id: newId(), blueprint_id: blueprintId, kind: r.kind, value: r.value, created_at: now }))).execute();
      }
      await this.audit.append({
        actor: by, action: 'blueprint.access.update', targetType: 'blueprint',
        targetId: blueprintId, blueprintId, outcome: 'success', detail: { access: access.access, rules: unique },
      }, tx);
    });
    return this.get(blueprintId);
  }
}
