import type { BlueprintAccess, BlueprintAccessRule } from '@paddock/protocol';
import type { AuditLog } from '../audit/auditLog.js';
import { canSeeAll, type UserActor } from '../auth/actor.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { NotFoundError } from '../errors.js';
import { newId } from '../ids.js';

/**
 * Who may use which blueprint. Open blueprints are for everyone; a restricted one
 * for users matching any of its rules: their email, their email's domain, their
 * role, a group they belong to (by display name), or a grant to them by user id.
 * Admins (and auditors, who only read) see every blueprint.
 */
export class BlueprintAccessControl {
  constructor(private readonly db: Database, private readonly clock: Clock, private readonly audit: AuditLog) {}

  /** The ids of the blueprints the actor may use. */
  async usableIds(actor: UserActor): Promise<Set<string>> {
    const all = await this.db.selectFrom('blueprints').select(['id', 'access']).execute();
    if (canSeeAll(actor)) return new Set(all.map((b) => b.id));
    const open = all.filter((b) => b.access === 'open').map((b) => b.id);
    const groups = (await this.db.selectFrom('group_members').innerJoin('groups', 'groups.id', 'group_members.group_id')
      .select('groups.display_name').where('group_members.user_id', '=', actor.user.id).execute())
      .map((g) => g.display_name.toLowerCase());
    const email = actor.user.email.toLowerCase();
    const candidates: Array<[string, string]> = [
      ['email', email], ['domain', email.split('@')[1] ?? ''], ['role', actor.user.role], ['user', actor.user.id.toLowerCase()],
      ...groups.map((g): [string, string] => ['group', g]),
    ];
    let q = this.db.selectFrom('blueprint_access_rules').innerJoin('blueprints', 'blueprints.id', 'blueprint_access_rules.blueprint_id')
      .select('blueprint_access_rules.blueprint_id').where('blueprints.access', '=', 'restricted');
    q = q.where((eb) => eb.or(candidates.map(([kind, value]) => eb.and([eb('kind', '=', kind), eb('value', '=', value)]))));
    const granted = (await q.execute()).map((r) => r.blueprint_id);
    return new Set([...open, ...granted]);
  }

  /** Throws NotFoundError (nothing leaks) unless the actor may use the blueprint. */
  async assertUsable(actor: UserActor, blueprintId: string): Promise<void> {
    if (!(await this.usableIds(actor)).has(blueprintId)) throw new NotFoundError('blueprint');
  }

  async get(blueprintId: string): Promise<BlueprintAccess> {
    const bp = await this.db.selectFrom('blueprints').select('access').where('id', '=', blueprintId).executeTakeFirst();
    if (!bp) throw new NotFoundError('blueprint');
    const rules = await this.db.selectFrom('blueprint_access_rules').select(['kind', 'value'])
      .where('blueprint_id', '=', blueprintId).orderBy('kind').orderBy('value').execute();
    return { access: bp.access as BlueprintAccess['access'], rules: rules as BlueprintAccessRule[] };
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
        actorId: by.user.id, actorEmail: by.user.email, action: 'blueprint.access.update', targetType: 'blueprint',
        targetId: blueprintId, blueprintId, outcome: 'success', detail: { access: access.access, rules: unique },
      }, tx);
    });
    return this.get(blueprintId);
  }
}
