import { sql, type Kysely, type Selectable, type SqlBool, type Transaction } from 'kysely';
import { z } from 'zod';
import { roleSchema } from '@paddock/protocol';
import type { ScimEmail, Tables, UsersTable } from '../db/schema.js';
import { SCIM_ACTOR } from '../auth/actor.js';
import { newId } from '../ids.js';
import type { PortalServices } from '../services.js';
import { applyPatch, canonicalResource, type PatchOperation, type Resource, type ResourceShape } from './patch.js';
import { ScimError } from './scimErrors.js';
import { checkIfMatch, isUniqueViolation, versionIn, versionOf, writeTransaction, type ListQuery } from './scimResources.js';
import { PADDOCK_USER_SCHEMA, USER_SCHEMA } from './scimSchemas.js';
import { column, filterToSql, type FilterColumns } from './sqlFilter.js';

type Deps = Pick<PortalServices, 'db' | 'clock' | 'audit' | 'identity' | 'workspaces'>;
type UserRow = Selectable<UsersTable>;

/** Audit records of SCIM changes name SCIM (the system actor) as the actor. */
export { SCIM_ACTOR };

export const userShape: ResourceShape = {
  coreUri: USER_SCHEMA,
  attrs: [
    { name: 'userName' },
    { name: 'name', sub: ['formatted', 'givenName', 'familyName'] },
    { name: 'displayName' },
    { name: 'emails', multiValued: true, sub: ['value', 'type', 'primary', 'display'] },
    { name: 'active' },
    { name: 'externalId' },
    { name: 'groups', multiValued: true, readOnly: true, sub: ['value', '$ref', 'display'] },
    { name: 'id', readOnly: true }, { name: 'meta', readOnly: true }, { name: 'schemas', readOnly: true },
  ],
  extensions: { [PADDOCK_USER_SCHEMA]: ['role'] },
};

/** Azure AD sends booleans as the strings "True" and "False". */
const boolish = z.union([z.boolean(), z.string().regex(/^(true|false)$/i).transform((s) => s.toLowerCase() === 'true')]);
const text = (max: number) => z.string().trim().max(max);

const userInputSchema = z.object({
  userName: z.string({ error: 'userName is required' }).trim().toLowerCase().email('userName must be an email address').max(254),
  name: z.object({ formatted: text(128).nullish(), givenName: text(128).nullish(), familyName: text(128).nullish() }).nullish(),
  displayName: text(128).nullish(),
  emails: z.array(z.object({
    value: z.string().trim().toLowerCase().email('emails.value must be an email address').max(254),
    type: text(32).optional(), primary: boolish.optional(), display: text(254).optional(),
  })).max(20).nullish(),
  active: boolish.nullish(),
  externalId: text(256).nullish(),
  [PADDOCK_USER_SCHEMA]: z.object({ role: roleSchema.nullish() }).nullish(),
});
type UserInput = z.infer<typeof userInputSchema>;

function validate(resource: Resource): UserInput {
  const parsed = userInputSchema.safeParse(resource);
  if (parsed.success) return parsed.data;
  throw new ScimError(400, 'invalidValue', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
}

const columns: FilterColumns = {
  'id': column('users.id', 'string', true),
  'username': column('users.email', 'string'),
  'externalid': column('users.external_id', 'string', true),
  'active': column('users.active', 'boolean'),
  'displayname': column('users.name', 'string'),
  'name.formatted': column('users.name', 'string'),
  'name.givenname': column('users.given_name', 'string'),
  'name.familyname': column('users.family_name', 'string'),
  'meta.created': column('users.created_at', 'dateTime'),
  'meta.lastmodified': column('users.updated_at', 'dateTime'),
  [`${PADDOCK_USER_SCHEMA.toLowerCase()}:role`]: column('users.role', 'string'),
  // The sign-in address, or any address in the list the identity provider sent.
  'emails.value': {
    type: 'string',
    match: (p) => sql<SqlBool>`(${p(sql.ref('users.email'))} or exists (select 1 from jsonb_array_elements(coalesce(users.scim_emails, '[]'::jsonb)) as e(v) where ${p(sql`e.v->>'value'`)}))`,
  },
};

/** The display name Paddock keeps, from whichever of the SCIM name attributes were sent. */
function displayNameOf(input: UserInput): string {
  const joined = [input.name?.givenName, input.name?.familyName].filter(Boolean).join(' ');
  return input.displayName || input.name?.formatted || joined || input.userName;
}

/**
 * SCIM Users (RFC 7643 §4.1, RFC 7644 §3) over the portal's users table.
 * SCIM sees the accounts an identity provider owns (source scim or oidc); local
 * accounts such as the bootstrap admin stay out of its reach.
 */
export class ScimUsers {
  constructor(private readonly s: Deps, private readonly base: string) {}

  private visible(db: Kysely<Tables> = this.s.db) {
    return db.selectFrom('users').selectAll('users')
      .where('users.source', 'in', ['scim', 'oidc']).where('users.scim_deleted_at', 'is', null);
  }

  private async groupsOf(userIds: string[], db: Kysely<Tables> = this.s.db): Promise<Map<string, Array<{ value: string; display: string }>>> {
    const byUser = new Map<string, Array<{ value: string; display: string }>>();
    if (userIds.length === 0) return byUser;
    const rows = await db.selectFrom('group_members').innerJoin('groups', 'groups.id', 'group_members.group_id')
      .select(['group_members.user_id', 'groups.id', 'groups.display_name'])
      .where('group_members.user_id', 'in', userIds).where('groups.source', 'in', ['scim', 'oidc'])
      .orderBy('groups.display_name').execute();
    for (const r of rows) {
      const list = byUser.get(r.user_id) ?? [];
      list.push({ value: r.id, display: r.display_name });
      byUser.set(r.user_id, list);
    }
    return byUser;
  }

  private toResource(row: UserRow, groups: Array<{ value: string; display: string }>): Resource {
    const location = `${this.base}/Users/${row.id}`;
    const resource: Resource = {
      schemas: [USER_SCHEMA, PADDOCK_USER_SCHEMA],
      id: row.id,
      ...(row.external_id !== null ? { externalId: row.external_id } : {}),
      userName: row.email,
      name: {
        formatted: row.name,
        ...(row.given_name !== null ? { givenName: row.given_name } : {}),
        ...(row.family_name !== null ? { familyName: row.family_name } : {}),
      },
      displayName: row.name,
      emails: row.scim_emails ?? [{ value: row.email, type: 'work', primary: true }],
      active: row.active,
      groups: groups.map((g) => ({ ...g, $ref: `${this.base}/Groups/${g.value}` })),
      [PADDOCK_USER_SCHEMA]: { role: row.role },
    };
    return {
      ...resource,
      meta: { resourceType: 'User', created: row.created_at.toISOString(), lastModified: row.updated_at.toISOString(), location, version: versionOf(resource) },
    };
  }

  /**
   * The user as SCIM sees it. Given a write's transaction, the row stays locked
   * until it commits: the version checked against If-Match is the one replaced.
   */
  private async load(id: string, tx?: Transaction<Tables>): Promise<{ row: UserRow; resource: Resource }> {
    const row = await (tx ? this.visible(tx).where('users.id', '=', id).forUpdate() : this.visible().where('users.id', '=', id)).executeTakeFirst();
    if (!row) throw new ScimError(404, undefined, `no User with id ${id}`);
    return { row, resource: this.toResource(row, (await this.groupsOf([id], tx)).get(id) ?? []) };
  }

  async get(id: string): Promise<Resource> {
    return (await this.load(id)).resource;
  }

  async list(q: ListQuery): Promise<{ total: number; resources: Resource[] }> {
    let query = this.visible();
    if (q.filter) query = query.where(filterToSql(q.filter, columns, USER_SCHEMA));
    const { total } = await query.clearSelect().select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = q.count === 0 ? [] : await query.orderBy('users.created_at').orderBy('users.id').offset(q.startIndex - 1).limit(q.count).execute();
    const groups = await this.groupsOf(rows.map((r) => r.id));
    return { total: Number(total), resources: rows.map((r) => this.toResource(r, groups.get(r.id) ?? [])) };
  }

  /**
   * POST /Users. A userName taken by a visible or local account is a 409
   * uniqueness; one that SCIM deleted earlier is revived (same id, files and history).
   */
  async create(body: unknown): Promise<{ resource: Resource; status: number }> {
    const input = validate(canonicalResource(userShape, body));
    const now = this.s.clock.now();
    const values = this.columnsOf(input);
    let id: string;
    try {
      id = await this.s.db.transaction().execute(async (tx) => {
        const existing = await tx.selectFrom('users').select(['id', 'source', 'scim_deleted_at', 'active']).where('email', '=', input.userName).forUpdate().executeTakeFirst();
        if (existing && !(existing.scim_deleted_at && existing.source !== 'local')) {
          throw new ScimError(409, 'uniqueness', `userName ${input.userName} is already taken`);
        }
        const role = input[PADDOCK_USER_SCHEMA]?.role ?? 'builder';
        if (existing) {
          await tx.updateTable('users').set({ ...values, role, scim_deleted_at: null, updated_at: now }).where('id', '=', existing.id).execute();
          if (input.active ?? true) await this.s.identity.reactivate(existing.id, SCIM_ACTOR, tx);
        } else {
          await tx.insertInto('users').values({
            id: newId(), ...values, role, password_hash: null, source: 'scim', active: input.active ?? true,
            created_at: now, updated_at: now, last_login_at: null,
          }).execute();
        }
        const row = await tx.selectFrom('users').select('id').where('email', '=', input.userName).executeTakeFirstOrThrow();
        await this.s.audit.append({
          actor: SCIM_ACTOR, action: 'scim.user.create', targetType: 'user', targetId: row.id,
          outcome: 'success', detail: { email: input.userName, role, active: input.active ?? true, revived: existing !== undefined },
        }, tx);
        // Only the provider may bring it back.
        if (input.active === false) await this.s.identity.deactivate(row.id, SCIM_ACTOR, 'created inactive by SCIM', tx);
        return row.id;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ScimError(409, 'uniqueness', `userName ${input.userName} is already taken`);
      throw err;
    }
    return { resource: await this.get(id), status: 201 };
  }

  /** PUT /Users/:id: a full replace. `active` and the role stay as they are when omitted. */
  async replace(id: string, body: unknown, ifMatch?: string): Promise<Resource> {
    return this.change(id, ifMatch, 'scim.user.replace', () => validate(canonicalResource(userShape, body)));
  }

  /** PATCH /Users/:id: operations on the current representation, stored as a replace. */
  async patch(id: string, ops: PatchOperation[], ifMatch?: string): Promise<Resource> {
    return this.change(id, ifMatch, 'scim.user.patch', (current) => validate(applyPatch(userShape, current, ops)));
  }

  /**
   * DELETE /Users/:id. RFC 7644 §3.6 says the resource is removed; we keep the
   * account row (workspaces, files and audit history refer to it) but deactivate
   * it, drop its group memberships and hide it from SCIM: later requests get 404.
   */
  async delete(id: string, ifMatch?: string): Promise<void> {
    await writeTransaction(this.s.db, async (tx) => {
      const { row, resource } = await this.load(id, tx);
      checkIfMatch(ifMatch, versionIn(resource));
      if (row.active) await this.s.identity.deactivate(row.id, SCIM_ACTOR, 'deleted by SCIM', tx);
      await tx.updateTable('users').set({ scim_deleted_at: this.s.clock.now(), updated_at: this.s.clock.now() }).where('id', '=', id).execute();
      await tx.deleteFrom('group_members').where('user_id', '=', id).execute();
      await this.s.audit.append({
        actor: SCIM_ACTOR, action: 'scim.user.delete', targetType: 'user', targetId: id,
        outcome: 'success', detail: { email: row.email },
      }, tx);
    });
    // Even when already inactive: an admin may have started one of their workspaces since.
    await this.s.workspaces.stopAllOwnedBy(SCIM_ACTOR, id, 'deleted by SCIM');
  }

  /**
   * PUT and PATCH: the current version is read, checked against If-Match and
   * replaced in one transaction that holds the row, so two writes with the same
   * ETag can't both win. Workspaces stop once a deactivation has committed.
   */
  private async change(id: string, ifMatch: string | undefined, action: string, next: (current: Resource) => UserInput): Promise<Resource> {
    let userName = '';
    const deactivated = await writeTransaction(this.s.db, async (tx) => {
      const { row, resource } = await this.load(id, tx);
      checkIfMatch(ifMatch, versionIn(resource));
      const input = next(resource);
      userName = input.userName;
      return this.write(tx, row, input, action);
    }).catch((err: unknown) => {
      // A concurrent create or rename took the userName between our check and our write.
      if (isUniqueViolation(err)) throw new ScimError(409, 'uniqueness', `userName ${userName} is already taken`);
      throw err;
    });
    if (deactivated) await this.s.workspaces.stopAllOwnedBy(SCIM_ACTOR, id, 'deactivated by SCIM');
    return this.get(id);
  }

  /** Writes the new attributes and `active` in `tx`; returns whether the user was deactivated. */
  private async write(tx: Transaction<Tables>, row: UserRow, input: UserInput, action: string): Promise<boolean> {
    const values = this.columnsOf(input);
    const role = input[PADDOCK_USER_SCHEMA]?.role ?? row.role;
    const before: Record<string, unknown> = {
      email: row.email, name: row.name, given_name: row.given_name, family_name: row.family_name,
      scim_emails: row.scim_emails ? JSON.stringify(row.scim_emails) : null, external_id: row.external_id, role: row.role,
    };
    const after: Record<string, unknown> = { ...values, role };
    const changed = Object.keys(after).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]));
    // Checked before the row is written, so a PUT that renames and deactivates the last admin writes
    // nothing; without other changes the deactivation below checks it (Identity.deactivate).
    const losesAdmin = row.role === 'admin' && row.active && (role !== 'admin' || input.active === false);
    if (changed.length > 0) {
      if (values.email !== row.email) {
        const taken = await tx.selectFrom('users').select('id').where('email', '=', values.email).executeTakeFirst();
        if (taken) throw new ScimError(409, 'uniqueness', `userName ${values.email} is already taken`);
      }
      if (losesAdmin) await this.s.identity.assertAnotherAdmin(row.id, tx);
      await tx.updateTable('users').set({ ...values, role, updated_at: this.s.clock.now() }).where('id', '=', row.id).execute();
      await this.s.audit.append({
        actor: SCIM_ACTOR, action, targetType: 'user', targetId: row.id, outcome: 'success',
        detail: { email: values.email, changed, ...(role !== row.role ? { role: { from: row.role, to: role } } : {}) },
      }, tx);
    }
    // Also when already inactive: the provider's word makes it the provider's to undo (Identity.deactivate),
    // and an admin may have started one of their workspaces since.
    if (input.active === false) {
      await this.s.identity.deactivate(row.id, SCIM_ACTOR, 'deactivated by SCIM', tx);
      return true;
    }
    if (input.active === true && !row.active) await this.s.identity.reactivate(row.id, SCIM_ACTOR, tx);
    return false;
  }

  private columnsOf(input: UserInput) {
    return {
      email: input.userName,
      name: displayNameOf(input),
      given_name: input.name?.givenName || null,
      family_name: input.name?.familyName || null,
      scim_emails: input.emails ? JSON.stringify(input.emails) : null,
      external_id: input.externalId ?? null,
    };
  }
}
