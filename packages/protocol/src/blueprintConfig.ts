import { z } from 'zod';
import { wellFormedString } from './strings.js';

/**
 * How a blueprint's workspaces are set up: their model and its endpoint, what
 * the AI tools are told (AGENTS.md / CLAUDE.md), and the workspace page's tabs.
 * Stored as one JSON document on the blueprint; every field has a default, so
 * a blueprint created before this existed reads as the defaults.
 */

export const tabKindSchema = z.enum(['ai-chat', 'claude', 'shell', 'command', 'editor']);
export type TabKind = z.infer<typeof tabKindSchema>;

export const tabIdSchema = wellFormedString().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a tab id is 1-32 lowercase letters, digits or -');

export const workspaceTabSchema = z.object({
  id: tabIdSchema,
  kind: tabKindSchema,
  title: wellFormedString().trim().min(1).max(40),
  /** For kind `command`: run with `bash -lc` in /workspace when the workspace starts. */
  command: wellFormedString().trim().min(1).max(2000).optional(),
});
export type WorkspaceTab = z.infer<typeof workspaceTabSchema>;

export const llmEndpointKindSchema = z.enum(['anthropic', 'anthropic-compatible', 'openai-compatible']);
export type LlmEndpointKind = z.infer<typeof llmEndpointKindSchema>;

/**
 * The blueprint's own model provider; its API key is a write-only secret (PUT …/llm-key).
 * An OpenAI-compatible baseUrl is the one Chat Completions hang under, version included
 * (https://api.openai.com/v1): the gateway posts to `<baseUrl>/chat/completions`.
 */
export const llmEndpointSchema = z.object({
  kind: llmEndpointKindSchema,
  baseUrl: wellFormedString().max(2000).pipe(z.url({ protocol: /^https?$/ })).optional(),
}).refine((v) => v.kind === 'anthropic' || v.baseUrl !== undefined, { message: 'a compatible endpoint needs its baseUrl', path: ['baseUrl'] });
export type LlmEndpoint = z.infer<typeof llmEndpointSchema>;

export const DEFAULT_WORKSPACE_TABS: WorkspaceTab[] = [
  { id: 'chat', kind: 'ai-chat', title: 'AI chat' },
  { id: 'claude', kind: 'claude', title: 'Claude Code' },
  { id: 'shell', kind: 'shell', title: 'Shell' },
  { id: 'editor', kind: 'editor', title: 'Code editor' },
];

const MIN_MEMORY_MIB = 128;

/**
 * What one workspace may take of its host. Bounds: below them the workspace's
 * own daemon can't run (it is about 70 MiB and a dozen threads); above them a
 * typo would hand one workspace a whole machine.
 */
export const workspaceLimitFields = {
  /** CPU time, in cores: 0.5 is half of one core, 2 is two cores' worth. */
  cpus: z.number().min(0.1).max(64),
  /** Memory of every process in the workspace together, /tmp included (it is a tmpfs, held in memory). */
  memoryMiB: z.int().min(MIN_MEMORY_MIB).max(1_048_576),
  /** Processes and threads together: a fork bomb stops here. */
  processes: z.int().min(32).max(65_536),
  /** Size of /tmp. */
  tmpMiB: z.int().min(1).max(524_288),
  /** Disk use of /workspace: measured and shown; enforced only where the runtime's filesystem can (see docs/operations.md). */
  diskMiB: z.int().min(128).max(16_777_216),
};

export const DEFAULT_WORKSPACE_LIMITS = { cpus: 2, memoryMiB: 4096, processes: 1024, tmpMiB: 512, diskMiB: 10_240 } as const;

/** /tmp lives in memory: allowed at most half of the memory limit, so a full /tmp leaves room to work. */
function checkTmpWithinMemory(v: { tmpMiB?: number | undefined; memoryMiB?: number | undefined }, ctx: z.RefinementCtx): void {
  if (v.tmpMiB === undefined) return;
  const most = Math.floor((v.memoryMiB ?? DEFAULT_WORKSPACE_LIMITS.memoryMiB) / 2);
  if (v.tmpMiB > most) ctx.addIssue({ code: 'custom', message: `/tmp is held in memory: at most half of memoryMiB (${most})`, path: ['tmpMiB'] });
}

/** The limits a workspace runs with, every one set (what the portal sends its agent). */
export const workspaceLimitsSchema = z.strictObject(workspaceLimitFields).superRefine(checkTmpWithinMemory);
export type WorkspaceLimits = z.infer<typeof workspaceLimitsSchema>;

/**
 * A blueprint's limits as its admin set them: each one left out takes the
 * default. Stored sparse, so a later organisation-wide default (or policy cap)
 * applies to every blueprint that didn't choose its own. Unknown names are refused.
 */
export const workspaceResourcesSchema = z.strictObject(workspaceLimitFields).partial().superRefine(checkTmpWithinMemory);
export type WorkspaceResources = z.infer<typeof workspaceResourcesSchema>;

/** The limits a blueprint's workspaces get: its own where set, else the defaults (an unset /tmp never over half the memory). */
export function resolveWorkspaceLimits(resources: WorkspaceResources, defaults: WorkspaceLimits = DEFAULT_WORKSPACE_LIMITS): WorkspaceLimits {
  const memoryMiB = resources.memoryMiB ?? defaults.memoryMiB;
  return {
    cpus: resources.cpus ?? defaults.cpus,
    memoryMiB,
    processes: resources.processes ?? defaults.processes,
    tmpMiB: resources.tmpMiB ?? Math.min(defaults.tmpMiB, Math.floor(memoryMiB / 2)),
    diskMiB: resources.diskMiB ?? defaults.diskMiB,
  };
}

export const MAX_SUGGESTED_PROMPTS = 6;
export const MAX_SUGGESTED_PROMPT_LENGTH = 200;
/** A few short ideas, each one line: a chip in the chat's empty state, not an essay. */
export const suggestedPromptsSchema = z.array(
  wellFormedString().trim().min(1).max(MAX_SUGGESTED_PROMPT_LENGTH).regex(/^[^\r\n]*$/, 'one line, no line breaks'),
).max(MAX_SUGGESTED_PROMPTS);

/** Dollars an hour, to the cent's hundredth. */
const hourlyRateSchema = z.number().min(0).max(10_000).refine((n) => Math.round(n * 10_000) === n * 10_000, 'at most four decimals');

export const blueprintWorkspaceConfigFields = {
  /** The model the workspace's tools ask for; '' means the portal's default (the demo model when no provider is configured). */
  model: wellFormedString().trim().max(200).default(''),
  /** null: the portal's default provider. */
  llm: llmEndpointSchema.nullable().default(null),
  systemPrompt: wellFormedString().max(20_000).default(''),
  dataSourceNotes: wellFormedString().max(20_000).default(''),
  tabs: z.array(workspaceTabSchema).min(1).max(12).default(DEFAULT_WORKSPACE_TABS),
  defaultTab: tabIdSchema.default('shell'),
  /** Hides the shell and editor tabs: for builders who should never need a terminal. */
  layoutLocked: z.boolean().default(false),
  editorEnabled: z.boolean().default(true),
  previewPorts: z.array(z.number().int().min(1).max(65535)).max(10).default([]),
  /** CPU, memory, processes, /tmp and disk of each workspace; applied when a workspace starts. */
  resources: workspaceResourcesSchema.default({}),
  /** What an hour of one of its workspaces running costs, in US dollars, for the cost pages; null: no price. */
  hourlyRateUsd: hourlyRateSchema.nullable().default(null),
  /** What the AI chat offers to a builder facing an empty conversation: a click fills the message box. */
  suggestedPrompts: suggestedPromptsSchema.default([]),
};

type ConfigShape = { tabs?: WorkspaceTab[]; defaultTab?: string };

/** Tab ids unique, the default tab among them, and a command on every command tab. */
export function checkBlueprintTabs(v: ConfigShape, ctx: z.RefinementCtx): void {
  if (!v.tabs) return;
  const ids = new Set<string>();
  v.tabs.forEach((tab, i) => {
    if (ids.has(tab.id)) ctx.addIssue({ code: 'custom', message: `tab id "${tab.id}" is used twice`, path: ['tabs', i, 'id'] });
    ids.add(tab.id);
    if (tab.kind === 'command' && !tab.command) ctx.addIssue({ code: 'custom', message: 'a command tab needs its command', path: ['tabs', i, 'command'] });
    if (tab.kind !== 'command' && tab.command !== undefined) ctx.addIssue({ code: 'custom', message: 'only command tabs take a command', path: ['tabs', i, 'command'] });
  });
  if (v.defaultTab !== undefined && !ids.has(v.defaultTab)) {
    ctx.addIssue({ code: 'custom', message: `the default tab "${v.defaultTab}" is not one of the tabs`, path: ['defaultTab'] });
  }
}

export const blueprintWorkspaceConfigSchema = z.object(blueprintWorkspaceConfigFields).superRefine(checkBlueprintTabs);
export type BlueprintWorkspaceConfig = z.infer<typeof blueprintWorkspaceConfigSchema>;

/** The defaults, as a blueprint without any configuration has them. */
export const defaultBlueprintWorkspaceConfig = (): BlueprintWorkspaceConfig => blueprintWorkspaceConfigSchema.parse({});

/** Fields a PATCH may carry (none required; the merged result is checked again with the full schema). */
export const blueprintWorkspaceConfigPatchSchema = z.object({
  model: wellFormedString().trim().max(200),
  llm: llmEndpointSchema.nullable(),
  systemPrompt: wellFormedString().max(20_000),
  dataSourceNotes: wellFormedString().max(20_000),
  tabs: z.array(workspaceTabSchema).min(1).max(12),
  defaultTab: tabIdSchema,
  layoutLocked: z.boolean(),
  editorEnabled: z.boolean(),
  previewPorts: z.array(z.number().int().min(1).max(65535)).max(10),
  /** Replaces the blueprint's limits as a whole: a limit left out takes its default. */
  resources: workspaceResourcesSchema,
  hourlyRateUsd: hourlyRateSchema.nullable(),
  suggestedPrompts: suggestedPromptsSchema,
}).partial();
export type BlueprintWorkspaceConfigPatch = z.infer<typeof blueprintWorkspaceConfigPatchSchema>;

/** The tabs a builder actually sees: the layout lock hides shell and editor, editorEnabled=false the editor. */
export function visibleTabs(config: Pick<BlueprintWorkspaceConfig, 'tabs' | 'layoutLocked' | 'editorEnabled'>): WorkspaceTab[] {
  return config.tabs.filter((t) => {
    if (t.kind === 'editor') return config.editorEnabled && !config.layoutLocked;
    if (t.kind === 'shell') return !config.layoutLocked;
    return true;
  });
}

/** The PTY session a terminal tab attaches to in the workspace daemon (undefined: not a terminal). */
export function tabSessionName(tab: Pick<WorkspaceTab, 'id' | 'kind'>): string | undefined {
  switch (tab.kind) {
    case 'shell': return 'main';
    case 'claude': return 'claude';
    case 'command': return `cmd-${tab.id}`;
    default: return undefined;
  }
}

/** PUT /api/v1/blueprints/:id/llm-key: the provider key, never returned. */
export const putLlmKeyRequestSchema = z.object({ value: wellFormedString().min(1).max(4096) });
export const llmKeyStatusSchema = z.object({ set: z.boolean(), updatedAt: z.string().nullable() });
export type LlmKeyStatus = z.infer<typeof llmKeyStatusSchema>;
