import type { Selectable } from 'kysely';
import type { Blueprint, BlueprintWorkspaceConfig, Workspace } from '@paddock/protocol';
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
  ...readWorkspaceConfig(r.workspace_config),
});

const configKeys = ['model', 'llm', 'systemPrompt', 'dataSourceNotes', 'tabs', 'defaultTab', 'layoutLocked', 'editorEnabled', 'previewPorts', 'resources', 'hourlyRateUsd'] as const;
/** The workspace-setup fields of a create or update body. */
const configPart = (input: object): Partial<BlueprintWorkspaceConfig> =>
  Object.fromEntries(Object.entries(input).filter(([k, v]) => (configKeys as readonly string[]).includes(k) && v !== undefined));

/** Workspace recipes. For now: a name and a description; toolchains and policies come later. */
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
      .filter((r) => usable.has(r.id)).map(toBlueprint);
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

  async create(input: { name: string; description: string } & Partial<BlueprintWorkspaceConfig>, by: Actor): Promise<Blueprint> {
    const now = this.clock.now();
    const config = validWorkspaceConfig(configPart(input));
    return this.db.transaction().execute(async (tx) => {
      if (await tx.selectFrom('blueprints').select('id').where('name', '=', input.name).executeTakeFirst()) {
        throw new ConflictError(`a blueprint named ${input.name} already exists`);
      }
      const row = await tx.insertInto('blueprints').values({
        id: newId(), name: input.name, description: input.description, created_at: now, updated_at: now,
        workspace_config: JSON.stringify(config),
      }).returningAll().executeTakeFirstOrThrow();
      await this.audit.append({
        actor: by, action: 'blueprint.create',
        targetType: 'blueprint', targetId: row.id, blueprintId: row.id, outcome: 'success', detail: { name: row.name },
      }, tx);
      return toBlueprint(row);
    });
  }

  async update(id: string, patch: { name?: string; description?: string; allowPublicApps?: boolean; trustedPublishing?: boolean; appsGetCredentials?: boolean } & Partial<BlueprintWorkspaceConfig>, by: UserActor): Promise<Blueprint> {
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
        },
      }, tx);
      return toBlueprint(row);
    });
  }
}
