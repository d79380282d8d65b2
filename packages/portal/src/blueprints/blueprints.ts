import type { Selectable } from 'kysely';
import type { Blueprint, BlueprintIllustration, BlueprintWorkspaceConfig, Workspace } from '@paddock/protocol';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { BlueprintsTable } from '../db/schema.js';
import type { AuditLog } from '../audit/auditLog.js';
import type { Actor, UserActor } from '../auth/actor.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import type { BlueprintAccessControl } from './blueprintAccess.js';
import { readWorkspaceConfig, validWorkspaceConfig } from './workspaceSetup.js';

const toBlueprint = (r: Selectable<BlueprintsTable>): Blueprint => ({
  id: r.id, name: r.name, description: r.description, access: r.access,
  allowPublicApps: r.allow_public_apps, trustedPublishing: r.trusted_publishing, appsGetCredentials: r.apps_get_credentials,
  createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
  enabled: r.enabled, archivedAt: r.archived_at?.toISOString() ?? null, illustration: r.illustration,
  ...readWorkspaceConfig(r.workspace_config),
});

/** Admins and auditors see every blueprint in the catalog, disabled and archived ones too (marked); builders only those in use. */
const seesEveryBlueprint = (actor: UserActor) => actor.user.role === 'admin' || actor.user.role === 'auditor';

/**
 * Where its secrets are sealed: the credentials its workspaces get, its provider key, its git token
 * (blueprintSecrets.ts, workspaceSetup.ts, publish/gitRemotes.ts). Removed with it; never copied.
 */
const secretScopes = (id: string) => [`blueprint:${id}`, `blueprint-llm:${id}`, `blueprint-git:${id}`];

const configKeys = [
  'model', 'llm', 'systemPrompt', 'dataSourceNotes', 'tabs', 'defaultTab', 'layoutLocked', 'editorEnabled', 'previewPorts', 'resources', 'hourlyRateUsd',
  'suggestedPrompts',
] as const;
/** The workspace-setup fields of a create or update body. */
const configPart = (input: object): Partial<BlueprintWorkspaceConfig> =>
  Object.fromEntries(Object.entries(input).filter(([k, v]) => (configKeys as readonly string[]).includes(k) && v !== undefined));

/**
 * Workspace recipes: a name and a description for the catalog, the workspace setup
 * (blueprintConfig.ts), and their life in the catalog: enabled or not, archived or not,
 * duplicated, deleted once nothing was made from them.
 */
export class Blueprints {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    readonly access: BlueprintAccessControl,
  ) {}

  /** The catalog: the blueprints this actor may use. */
  async list(actor: UserActor): Promise<Blueprint[]> {
    const usable = await this.access.usableIds(actor);
    return (await this.db.selectFrom('blueprints').selectAll().orderBy('name').execute())
      .filter((r) => usable.has(r.id) && (seesEveryBlueprint(actor) || (r.enabled && r.archived_at === null))).map(toBlueprint);
  }

  async get(actor: UserActor, id: string): Promise<Blueprint> {
    await this.access.assertUsable(actor, id);
    const row = await this.db.selectFrom('blueprints').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('blueprint');
    return toBlueprint(row);
  }

  /**
   * The setup of the blueprint a workspace runs from, as it is now (null when the
   * blueprint is gone). For a workspace the caller holds: Workspaces.get gave it
   * after asking the policy, so no blueprint access is asked here.
   */
  async setupOf(workspace: Pick<Workspace, 'blueprintId'>): Promise<BlueprintWorkspaceConfig | null> {
    const row = await this.db.selectFrom('blueprints').select('workspace_config').where('id', '=', workspace.blueprintId).executeTakeFirst();
    return row ? readWorkspaceConfig(row.workspace_config) : null;
  }

  async create(input: { name: string; description: string; enabled?: boolean; illustration?: BlueprintIllustration | null } & Partial<BlueprintWorkspaceConfig>, by: Actor): Promise<Blueprint> {
    const now = this.clock.now();
    const config = validWorkspaceConfig(configPart(input));
    return this.db.transaction().execute(async (tx) => {
      if (await tx.selectFrom('blueprints').select('id').where('name', '=', input.name).executeTakeFirst()) {
        throw new ConflictError(`a blueprint named ${input.name} already exists`);
      }
      const row = await tx.insertInto('blueprints').values({
        id: newId(), name: input.name, description: input.description, created_at: now, updated_at: now,
        workspace_config: JSON.stringify(config), enabled: input.enabled ?? true, illustration: input.illustration ?? null,
      }).returningAll().executeTakeFirstOrThrow();
      await this.audit.append({
        actor: by, action: 'blueprint.create',
        targetType: 'blueprint', targetId: row.id, blueprintId: row.id, outcome: 'success', detail: { name: row.name },
      }, tx);
      return toBlueprint(row);
    });
  }

  async update(id: string, patch: {
    name?: string; description?: string; allowPublicApps?: boolean; trustedPublishing?: boolean; appsGetCredentials?: boolean;
    enabled?: boolean; illustration?: BlueprintIllustration | null;
  } & Partial<BlueprintWorkspaceConfig>, by: UserActor): Promise<Blueprint> {
    return this.db.transaction().execute(async (tx) => {
      const configPatch = configPart(patch);
      let workspaceConfig: string | undefined;
      if (Object.keys(configPatch).length > 0) {
        const current = await tx.selectFrom('blueprints').select('workspace_config').where('id', '=', id).executeTakeFirst();
        if (!current) throw new NotFoundError('blueprint');
        // Checked whole: a new tab list must still hold the default tab, and so on.
        workspaceConfig = JSON.stringify(validWorkspaceConfig({ ...readWorkspaceConfig(current.workspace_config), ...configPatch }));
      }
      if (patch.name !== undefined) {
        const clash = await tx.selectFrom('blueprints').select('id').where('name', '=', patch.name).where('id', '<>', id).executeTakeFirst();
        if (clash) throw new ConflictError(`a blueprint named ${patch.name} already exists`);
      }
      const row = await tx.updateTable('blueprints').set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.allowPublicApps !== undefined ? { allow_public_apps: patch.allowPublicApps } : {}),
        ...(patch.trustedPublishing !== undefined ? { trusted_publishing: patch.trustedPublishing } : {}),
        ...(patch.appsGetCredentials !== undefined ? { apps_get_credentials: patch.appsGetCredentials } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        ...(patch.illustration !== undefined ? { illustration: patch.illustration } : {}),
        ...(workspaceConfig !== undefined ? { workspace_config: workspaceConfig } : {}),
        updated_at: this.clock.now(),
      })
        .where('id', '=', id).returningAll().executeTakeFirst();
      if (!row) throw new NotFoundError('blueprint');
      await this.audit.append({
        actor: by, action: 'blueprint.update',
        targetType: 'blueprint', targetId: id, blueprintId: id, outcome: 'success',
        detail: {
          fields: Object.keys(patch),
          // Who may open its apps, and whether its trusted builders skip review: said, not only named.
          ...(patch.allowPublicApps !== undefined ? { allowPublicApps: patch.allowPublicApps } : {}),
          ...(patch.trustedPublishing !== undefined ? { trustedPublishing: patch.trustedPublishing } : {}),
          ...(patch.appsGetCredentials !== undefined ? { appsGetCredentials: patch.appsGetCredentials } : {}),
          // Whether builders see it: said, not only named.
          ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        },
      }, tx);
      return toBlueprint(row);
    });
  }

  /** Out of every catalog, no new workspaces; the ones it has keep running. Archiving an archived one changes nothing. */
  async archive(id: string, by: UserActor): Promise<Blueprint> {
    return this.setArchived(id, true, by);
  }

  async unarchive(id: string, by: UserActor): Promise<Blueprint> {
    return this.setArchived(id, false, by);
  }

  private async setArchived(id: string, archived: boolean, by: UserActor): Promise<Blueprint> {
    return this.db.transaction().execute(async (tx) => {
      const current = await tx.selectFrom('blueprints').select('archived_at').where('id', '=', id).executeTakeFirst();
      if (!current) throw new NotFoundError('blueprint');
      const now = this.clock.now();
      const row = await tx.updateTable('blueprints')
        .set({ archived_at: archived ? (current.archived_at ?? now) : null, updated_at: now })
        .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      await this.audit.append({
        actor: by, action: archived ? 'blueprint.archive' : 'blueprint.unarchive',
        targetType: 'blueprint', targetId: id, blueprintId: id, outcome: 'success', detail: { name: row.name },
      }, tx);
      return toBlueprint(row);
    });
  }

  /**
   * A new blueprint with this one's description, picture, workspace setup, publishing
   * settings, access rules, resource policy and governance override, under a new name.
   * Not its credentials, provider key or git remote: secrets are set for one blueprint on
   * purpose, and a copy is often made for another team. The copy starts disabled, so
   * builders see it only once an admin has finished it.
   */
  async duplicate(id: string, name: string, by: UserActor): Promise<Blueprint> {
    return this.db.transaction().execute(async (tx) => {
      const source = await tx.selectFrom('blueprints').selectAll().where('id', '=', id).executeTakeFirst();
      if (!source) throw new NotFoundError('blueprint');
      if (await tx.selectFrom('blueprints').select('id').where('name', '=', name).executeTakeFirst()) {
        throw new ConflictError(`a blueprint named ${name} already exists`);
      }
      const now = this.clock.now();
      const copyId = newId();
      const row = await tx.insertInto('blueprints').values({
        id: copyId, name, description: source.description, access: source.access, created_at: now, updated_at: now,
        workspace_config: JSON.stringify(readWorkspaceConfig(source.workspace_config)),
        resource_policy: JSON.stringify(source.resource_policy ?? {}),
        allow_public_apps: source.allow_public_apps, trusted_publishing: source.trusted_publishing, apps_get_credentials: source.apps_get_credentials,
        enabled: false, illustration: source.illustration,
      }).returningAll().executeTakeFirstOrThrow();
      const rules = await tx.selectFrom('blueprint_access_rules').select(['kind', 'value']).where('blueprint_id', '=', id).execute();
      if (rules.length) {
        await tx.insertInto('blueprint_access_rules')
          .values(rules.map((r) => ({ id: newId(), blueprint_id: copyId, kind: r.kind, value: r.value, created_at: now }))).execute();
      }
      const governance = await tx.selectFrom('governance_blueprint_overrides').select('override').where('blueprint_id', '=', id).executeTakeFirst();
      if (governance) {
        await tx.insertInto('governance_blueprint_overrides')
          .values({ blueprint_id: copyId, override: JSON.stringify(governance.override), updated_at: now, updated_by: by.user.id }).execute();
      }
      await this.audit.append({
        actor: by, action: 'blueprint.duplicate',
        targetType: 'blueprint', targetId: copyId, blueprintId: copyId, outcome: 'success',
        detail: { name, from: id, fromName: source.name, notCopied: ['credentials', 'provider key', 'git remote'] },
      }, tx);
      return toBlueprint(row);
    });
  }

  /**
   * Gone for good, with its access rules, overrides and secrets; only while no workspace was
   * ever made from it. A deleted workspace still counts: its runs, usage and published app name
   * the blueprint (an app keeps serving after its workspace is deleted). Archive it instead.
   */
  async delete(id: string, by: UserActor): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('blueprints').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError('blueprint');
      const counts = await tx.selectFrom('workspaces')
        .select((eb) => [eb.fn.countAll<string>().as('all'), eb.fn.count<string>(eb.case().when('state', '<>', 'deleted').then(1).end()).as('live')])
        .where('blueprint_id', '=', id).executeTakeFirstOrThrow();
      const live = Number(counts.live);
      if (live > 0) {
        throw new ConflictError(`${live} workspace${live === 1 ? ' uses' : 's use'} this blueprint: delete ${live === 1 ? 'it' : 'them'} first, or archive the blueprint to hide it and keep ${live === 1 ? 'it' : 'them'} running`);
      }
      if (Number(counts.all) > 0) {
        throw new ConflictError('workspaces were made from this blueprint, and their history and published apps still name it: archive it instead');
      }
      await tx.deleteFrom('secrets').where('scope', 'in', secretScopes(id)).execute();
      await tx.deleteFrom('blueprints').where('id', '=', id).execute();
      await this.audit.append({
        actor: by, action: 'blueprint.delete',
        targetType: 'blueprint', targetId: id, blueprintId: id, outcome: 'success', detail: { name: row.name },
      }, tx);
    });
  }
}

/**
 * Whether a workspace may be made from it now: never from an archived one; from a disabled
 * one only by an admin (trying it before builders see it). Asked inside the create's transaction.
 */
export function assertNewWorkspaceAllowed(row: { enabled: boolean; archived_at: Date | null; name: string }, actor: UserActor): void {
  if (row.archived_at !== null) throw new ConflictError(`the blueprint ${row.name} is archived: no new workspaces can be made from it`);
  if (!row.enabled && actor.user.role !== 'admin') {
    throw new ConflictError(`the blueprint ${row.name} is turned off for now: ask an admin to turn it on`);
  }
}
