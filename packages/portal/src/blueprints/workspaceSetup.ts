import {
  blueprintWorkspaceConfigSchema, defaultBlueprintWorkspaceConfig, resolveWorkspaceLimits, tabSessionName,
  type BlueprintWorkspaceConfig, type LlmKeyStatus, type LlmRoute, type WorkspaceLimits,
} from '@paddock/protocol';
import type pino from 'pino';
import type { AuditLog } from '../audit/auditLog.js';
import type { UserActor } from '../auth/actor.js';
import type { Database } from '../db/database.js';
import { InputError, NotFoundError } from '../errors.js';
import type { Secrets } from '../secrets/secrets.js';

/** What the daemon sets up at start (WorkspaceSpec.agent_instructions and .sessions), and the sandbox's limits (.resources). */
export interface WorkspaceStartSpec {
  agentInstructions: string;
  sessions: Array<{ name: string; command: string; start: boolean }>;
  /** Unset: the agent's defaults (the same DEFAULT_WORKSPACE_LIMITS). */
  resources?: { cpus: number; memoryMib: number; processes: number; tmpMib: number; diskMib: number };
}

/** The limits a blueprint's workspaces start with (its own where set, else the defaults), as WorkspaceSpec.resources carries them. */
export function workspaceResources(config: Pick<BlueprintWorkspaceConfig, 'resources'>, defaults: WorkspaceLimits): NonNullable<WorkspaceStartSpec['resources']> {
  const l = resolveWorkspaceLimits(config.resources, defaults);
  return { cpus: l.cpus, memoryMib: l.memoryMiB, processes: l.processes, tmpMib: l.tmpMiB, diskMib: l.diskMiB };
}

/**
 * Its own scope, not `blueprint:<id>`: everything in that scope becomes the
 * workspace's environment, and the provider key must never enter a workspace.
 */
const llmKeyScope = (blueprintId: string) => `blueprint-llm:${blueprintId}`;
const LLM_KEY_NAME = 'api_key';
const ANTHROPIC_API = 'https://api.anthropic.com';

/** A stored config, read with its defaults; a row that no longer validates reads as the defaults (and is logged by the caller). */
export function readWorkspaceConfig(stored: unknown): BlueprintWorkspaceConfig {
  const parsed = blueprintWorkspaceConfigSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : defaultBlueprintWorkspaceConfig();
}

/** Validates a whole config (after merging a PATCH), as an InputError naming the first problem. */
export function validWorkspaceConfig(value: unknown): BlueprintWorkspaceConfig {
  const parsed = blueprintWorkspaceConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InputError(`${issue?.path.join('.') || 'config'}: ${issue?.message ?? 'invalid'}`);
}

/** AGENTS.md / CLAUDE.md: the system prompt, then the notes on data sources. Empty when neither is set. */
export function agentInstructions(config: Pick<BlueprintWorkspaceConfig, 'systemPrompt' | 'dataSourceNotes'>): string {
  const parts: string[] = [];
  if (config.systemPrompt.trim()) parts.push('# Instructions\n', config.systemPrompt.trim(), '');
  if (config.dataSourceNotes.trim()) parts.push('# Data sources\n', config.dataSourceNotes.trim(), '');
  return parts.join('\n');
}

/**
 * The PTY sessions the blueprint's tabs need: each command tab's command
 * (started at boot, so a dev server is up before anyone looks), and `claude`
 * for a Claude Code tab (started on first attach).
 */
export function workspaceSessions(config: Pick<BlueprintWorkspaceConfig, 'tabs'>): WorkspaceStartSpec['sessions'] {
  const sessions: WorkspaceStartSpec['sessions'] = [];
  for (const tab of config.tabs) {
    const name = tabSessionName(tab);
    if (tab.kind === 'command' && name && tab.command) sessions.push({ name, command: tab.command, start: true });
    if (tab.kind === 'claude' && !sessions.some((s) => s.name === 'claude')) sessions.push({ name: 'claude', command: 'claude', start: false });
  }
  return sessions;
}

/**
 * A blueprint's model provider key: write-only through the API (PUT/DELETE,
 * and a status that says whether one is set), decrypted only to build the
 * route the agent's gateway uses. Audit records name the action, never the value.
 */
export class BlueprintLlmKeys {
  constructor(private readonly db: Database, private readonly secrets: Secrets, private readonly audit: AuditLog) {}

  async status(blueprintId: string): Promise<LlmKeyStatus> {
    await this.requireBlueprint(blueprintId);
    const info = (await this.secrets.list(llmKeyScope(blueprintId))).find((s) => s.name === LLM_KEY_NAME);
    return { set: info !== undefined, updatedAt: info?.updatedAt ?? null };
  }

  async put(blueprintId: string, value: string, by: UserActor): Promise<LlmKeyStatus> {
    await this.requireBlueprint(blueprintId);
    await this.db.transaction().execute(async (tx) => {
      await this.secrets.put(llmKeyScope(blueprintId), LLM_KEY_NAME, value, tx);
      await this.audit.append({
        actor: by, action: 'blueprint.llm_key.put',
        targetType: 'blueprint', targetId: blueprintId, blueprintId, outcome: 'success', detail: {},
      }, tx);
    });
    return this.status(blueprintId);
  }

  async delete(blueprintId: string, by: UserActor): Promise<void> {
    await this.requireBlueprint(blueprintId);
    await this.db.transaction().execute(async (tx) => {
      if (!await this.secrets.delete(llmKeyScope(blueprintId), LLM_KEY_NAME, tx)) throw new NotFoundError('model provider key');
      await this.audit.append({
        actor: by, action: 'blueprint.llm_key.delete',
        targetType: 'blueprint', targetId: blueprintId, blueprintId, outcome: 'success', detail: {},
      }, tx);
    });
  }

  /** The decrypted key (the reconciler only; never logged). */
  get(blueprintId: string): Promise<string | null> {
    return this.secrets.get(llmKeyScope(blueprintId), LLM_KEY_NAME);
  }

  private async requireBlueprint(id: string) {
    const row = await this.db.selectFrom('blueprints').select('id').where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('blueprint');
  }
}

/**
 * What the reconciler adds to a workspace's start command from its blueprint:
 * the model route, the daemon's start spec and the sandbox's limits.
 */
export class WorkspaceSetup {
  constructor(
    private readonly db: Database,
    private readonly keys: BlueprintLlmKeys,
    /** The portal's own provider (PADDOCK_LLM_*; the demo model in the embedded default). */
    private readonly portalDefault: LlmRoute | undefined,
    /** The org resource policy's limits, which a blueprint's unset resources take. */
    private readonly orgLimits: () => Promise<WorkspaceLimits>,
    private readonly log: pino.Logger,
  ) {}

  private async config(blueprintId: string): Promise<BlueprintWorkspaceConfig> {
    const row = await this.db.selectFrom('blueprints').select('workspace_config').where('id', '=', blueprintId).executeTakeFirst();
    return readWorkspaceConfig(row?.workspace_config);
  }

  /**
   * The blueprint's own provider when it has an endpoint and a key; otherwise
   * the portal's default, with the blueprint's model when it names one.
   */
  async llmRoute(blueprintId: string): Promise<LlmRoute | undefined> {
    const config = await this.config(blueprintId);
    if (config.llm) {
      const key = await this.keys.get(blueprintId);
      const base = config.llm.baseUrl ?? (config.llm.kind === 'anthropic' ? ANTHROPIC_API : undefined);
      if (!key) {
        this.log.warn({ blueprintId }, 'the blueprint names a model provider but has no API key; using the portal default');
      } else if (base) {
        const upstreamFormat = config.llm.kind === 'openai-compatible' ? 'openai' : 'anthropic';
        return { upstreamBaseUrl: base, upstreamApiKey: key, model: config.model, upstreamFormat };
      }
    }
    if (!this.portalDefault) return undefined;
    return { ...this.portalDefault, model: config.model || this.portalDefault.model };
  }

  async startSpec(blueprintId: string): Promise<WorkspaceStartSpec> {
    const config = await this.config(blueprintId);
    return { agentInstructions: agentInstructions(config), sessions: workspaceSessions(config), resources: workspaceResources(config, await this.orgLimits()) };
  }
}
