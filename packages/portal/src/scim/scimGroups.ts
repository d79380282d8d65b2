import { sql, type Kysely, type Selectable, type SqlBool, type Transaction } from 'kysely';
import { z } from 'zod';
import type { GroupsTable, Tables } from '../db/schema.js';
import { newId } from '../ids.js';
import type { PortalServices } from '../services.js';
import { applyPatch, canonicalResource, type PatchOperation, type Resource, type ResourceShape } from './patch.js';
import { ScimError } from './scimErrors.js';
import { checkIfMatch, isUniqueViolation, versionIn, versionOf, writeTransaction, type ListQuery } from './scimResources.js';
import { GROUP_SCHEMA } from './scimSchemas.js';
import { SCIM_ACTOR } from '../auth/actor.js';
import { column, filterToSql, type FilterColumns } from './sqlFilter.js';

type Deps = Pick<PortalServices, 'db' | 'clock' | 'audit'>;
type GroupRow = Selectable<GroupsTable>;

export const groupShape: ResourceShape = {
  coreUri: GROUP_SCHEMA,
  attrs: [
    { name: 'displayName' },
    { name: 'externalId' },
    { name: 'members', multiValued: true, sub: ['value', 'display', 'type', '$ref'] },
    { name: 'id', readOnly: true }, { name: 'meta', readOnly: true }, { name: 'schemas', readOnly: true },
  ],
  extensions: {},
};

const groupInputSchema = z.object({
  displayName: z.string({ error: 'displayName is required' }).trim().min(1).max(128),
  externalId: z.string().trim().max(256).nullish(),
  members: z.array(z.object({
    value: z.string({ error: 'members.value is required' }).min(1).max(64),
    type: z.string().optional().refine((t) => t === undefined || t === 'User', 'members must be Users (groups of groups are not supported)'),
  })).max(100_000).nullish(),
});
type GroupInput = z.infer<typeof groupInputSchema>;

function validate(resource: Resource): GroupInput {
  const parsed = groupInputSchema.safeParse(resource);
  if (parsed.success) return parsed.data;
  throw new ScimError(400, 'invalidValue', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
}

const columns: FilterColumns = {
  'id': column('groups.id', 'string', true),
  'displayname': column('groups.display_name', 'string'),
  'externalid': column('groups.external_id', 'string', true),
  'meta.created': column('groups.created_at', 'dateTime'),
  'meta.lastmodified': column('groups.updated_at', 'dateTime'),
  'members.value': {
    type: 'string', caseExact: true,
    match: (p) => sql<SqlBool>`exists (select 1 from group_members gm where gm.group_id = groups.id and ${p(sql.ref('gm.user_id'))})`,
  },
};

/**
 * SCIM Groups (RFC 7643 §4.2) over the portal's groups. Members are users SCIM
 * can see; a group's display name is unique across Paddock (blueprint access
 * rules name groups), so a clash with any group is a 409 uniqueness.
 */
export class ScimGroups {
  constructor(private readonly s: Deps, private readonly base: string) {}

  private visible(db: Kysely<Tables> = this.s.db) {
    return db.selectFrom('groups').selectAll('groups').where('groups.source', 'in', ['scim', 'oidc']);
  }

  private async membersOf(groupIds: string[], db: Kysely<Tables> = this.s.db): Promise<Map<string, Array<{ value: string; display: string }>>> {
    const byGroup = new Map<string, Array<{ value: string; display: string }>>();
    if (groupIds.length === 0) return byGroup;
    const rows = await db.selectFrom('group_members').innerJoin('users', 'users.id', 'group_members.user_id')
      .select(['group_members.group_id', 'users.id', 'users.email'])
      .where('group_members.group_id', 'in', groupIds)
      .where('users.source', 'in', ['scim', 'oidc']).where('users.scim_deleted_at', 'is', null)
      .orderBy('users.email').execute();
    for (const r of rows) {
      const list = byGroup.get(r.group_id) ?? [];
      list.push({ value: r.id, display: r.email });
      byGroup.set(r.group_id, list);
    }
    return byGroup;
  }

  private toResource(row: GroupRow, members: Array<{ value: string; display: string }>): Resource {
    const resource: Resource = {
      schemas: [GROUP_SCHEMA],
      id: row.id,
      ...(row.external_id !== null ? { externalId: row.external_id } : {}),
      displayName: row.display_name,
      members: members.map((m) => ({ ...m, type: 'User', $ref: `${this.base}/Users/${m.value}` })),
    };
    return {
      ...resource,
      meta: {
        resourceType: 'Group', created: row.created_at.toISOString(), lastModified: row.updated_at.toISOString(),
        location: `${this.base}/Groups/${row.id}`, version: versionOf(resource),
      },
    };
  }

  /**
   * The group as SCIM sees it. Given a write's transaction, the row stays locked
   * until it commits: the version checked against If-Match is the one replaced.
   */
  private async load(id: string, tx?: Transaction<Tables>): Promise<{ row: GroupRow; resource: Resource }> {
    const row = await (tx ? this.visible(tx).where('groups.id', '=', id).forUpdate() : this.visible().where('groups.id', '=', id)).executeTakeFirst();
    if (!row) throw new ScimError(404, undefined, `no Group with id ${id}`);
    return { row, resource: this.toResource(row, (await this.membersOf([id], tx)).get(id) ?? []) };
  }

  async get(id: string): Promise<Resource> {
    return (await this.load(id)).resource;
  }

  async list(q: ListQuery): Promise<{ total: number; resources: Resource[] }> {
    let query = this.visible();
    if (q.filter) query = query.where(filterToSql(q.filter, columns, GROUP_SCHEMA));
    const { total } = await query.clearSelect().select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = q.count === 0 ? [] : await query.orderBy('groups.created_at').orderBy('groups.id').offset(q.startIndex - 1).limit(q.count).execute();
    const members = await this.membersOf(rows.map((r) => r.id));
    return { total: Number(total), resources: rows.map((r) => this.toResource(r, members.get(r.id) ?? [])) };
  }

  async create(body: unknown): Promise<Resource> {
    const input = validate(canonicalResource(groupShape, body));
    const id = newId();
    await this.guardUnique(async () => this.s.db.transaction().execute(async (tx) => {
      await this.checkName(tx, input.displayName, null);
      const now = this.s.clock.now();
      await tx.insertInto('groups').values({
        id, display_name: input.displayName, external_id: input.externalId ?? null, source: 'scim', created_at: now, updated_at: now,
      }).execute();
      const members = await this.memberIds(tx, input);
      if (members.length) await tx.insertInto('group_members').values(members.map((user_id) => ({ group_id: id, user_id }))).execute();
      await this.s.audit.append({
        actor: SCIM_ACTOR, action: 'scim.group.create', targetType: 'group', targetId: id,
        outcome: 'success', detail: { displayName: input.displayName, added: members },
      }, tx);
    }), () => input.displayName);
    return this.get(id);
  }

  async replace(id: string, body: unknown, ifMatch?: string): Promise<Resource> {
    return this.change(id, ifMatch, 'scim.group.replace', () => validate(canonicalResource(groupShape, body)));
  }

  async patch(id: string, ops: PatchOperation[], ifMatch?: string): Promise<Resource> {
    return this.change(id, ifMatch, 'scim.group.patch', (current) => validate(applyPatch(groupShape, current, ops)));
  }

  /** DELETE /Groups/:id removes the group and its memberships; the audit trail keeps what it was. */
  async delete(id: string, ifMatch?: string): Promise<void> {
    await writeTransaction(this.s.db, async (tx) => {
      const { row, resource } = await this.load(id, tx);
      checkIfMatch(ifMatch, versionIn(resource));
      await tx.deleteFrom('groups').where('id', '=', id).execute();
      await this.s.audit.append({
        actor: SCIM_ACTOR, action: 'scim.group.delete', targetType: 'group', targetId: id,
        outcome: 'success', detail: { displayName: row.display_name, members: (resource.members as unknown[]).length },
      }, tx);
    });
  }

  /**
   * PUT and PATCH: the current version is read, checked against If-Match and
   * replaced in one transaction that holds the row, so two writes with the same
   * ETag can't both win.
   */
  private async change(id: string, ifMatch: string | undefined, action: string, next: (current: Resource) => GroupInput): Promise<Resource> {
    let displayName = '';
    await this.guardUnique(() => writeTransaction(this.s.db, async (tx) => {
      const { row, resource } = await this.load(id, tx);
      checkIfMatch(ifMatch, versionIn(resource));
      const input = next(resource);
      displayName = input.displayName;
      await this.write(tx, row, resource, input, action);
    }), () => displayName);
    return this.get(id);
  }

  private async write(tx: Transaction<Tables>, row: GroupRow, current: Resource, input: GroupInput, action: string): Promise<void> {
    const before = new Set((current.members as Array<{ value: string }>).map((m) => m.value));
    if (input.displayName !== row.display_name) await this.checkName(tx, input.displayName, row.id);
    // PUT without `members` clears them (a full replace); PATCH always passes the patched list.
    const after = new Set(await this.memberIds(tx, input));
    const added = [...after].filter((u) => !before.has(u));
    const removed = [...before].filter((u) => !after.has(u));
    await tx.updateTable('groups').set({
      display_name: input.displayName, external_id: input.externalId ?? null, updated_at: this.s.clock.now(),
    }).where('id', '=', row.id).execute();
    if (removed.length) await tx.deleteFrom('group_members').where('group_id', '=', row.id).where('user_id', 'in', removed).execute();
    if (added.length) await tx.insertInto('group_members').values(added.map((user_id) => ({ group_id: row.id, user_id }))).execute();
    await this.s.audit.append({
      actor: SCIM_ACTOR, action, targetType: 'group', targetId: row.id, outcome: 'success',
      detail: {
        displayName: input.displayName,
        ...(input.displayName !== row.display_name ? { renamedFrom: row.display_name } : {}),
        added, removed,
      },
    }, tx);
  }

  /** Member ids, each a user SCIM can see; anything else is a 400 invalidValue. */
  private async memberIds(tx: Transaction<Tables>, input: GroupInput): Promise<string[]> {
    const ids = [...new Set((input.members ?? []).map((m) => m.value))];
    if (ids.length === 0) return [];
    const found = new Set((await tx.selectFrom('users').select('id').where('id', 'in', ids)
      .where('source', 'in', ['scim', 'oidc']).where('scim_deleted_at', 'is', null).execute()).map((r) => r.id));
    const missing = ids.filter((i) => !found.has(i));
    if (missing.length) throw new ScimError(400, 'invalidValue', `members: no User with id ${missing.slice(0, 5).join(', ')}`);
    return ids;
  }

  private async checkName(tx: Transaction<Tables>, displayName: string, exceptId: string | null) {
    let q = tx.selectFrom('groups').select('id').where(sql<SqlBool>`lower(display_name) = ${displayName.toLowerCase()}`);
    if (exceptId) q = q.where('id', '<>', exceptId);
    if (await q.executeTakeFirst()) throw new ScimError(409, 'uniqueness', `a group named "${displayName}" already exists`);
  }

  /** A concurrent create or rename took the name between our check and our write. */
  private async guardUnique(work: () => Promise<void>, displayName: () => string): Promise<void> {
    try { await work(); } catch (err) {
      if (isUniqueViolation(err)) throw new ScimError(409, 'uniqueness', `a group named "${displayName()}" already exists`);
      throw err;
    }
  }
}
