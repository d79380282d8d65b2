import { describe, expect, it } from 'vitest';
import { createBlueprintRequestSchema, updateBlueprintRequestSchema } from './api.js';
import {
  DEFAULT_WORKSPACE_LIMITS, blueprintWorkspaceConfigSchema, defaultBlueprintWorkspaceConfig, resolveWorkspaceLimits, tabSessionName, visibleTabs,
  workspaceLimitsSchema,
} from './blueprintConfig.js';

const issues = (r: { success: boolean; error?: { issues: Array<{ message: string }> } }) => (r.success ? [] : r.error!.issues.map((i) => i.message));

describe("a blueprint's workspace config", () => {
  it('defaults to the portal model, the four standard tabs and the shell first', () => {
    const config = defaultBlueprintWorkspaceConfig();
    expect(config).toMatchObject({ model: '', llm: null, systemPrompt: '', defaultTab: 'shell', layoutLocked: false, editorEnabled: true, previewPorts: [] });
    expect(config.tabs.map((t) => t.kind)).toEqual(['ai-chat', 'claude', 'shell', 'editor']);
    const created = createBlueprintRequestSchema.parse({ name: 'X' });
    expect(created.tabs).toEqual(config.tabs);
  });

  it('refuses duplicate tab ids, a default tab that is not a tab, and a command tab without its command', () => {
    const bad = blueprintWorkspaceConfigSchema.safeParse({
      tabs: [{ id: 'a', kind: 'shell', title: 'A' }, { id: 'a', kind: 'command', title: 'B' }],
      defaultTab: 'zzz',
    });
    expect(issues(bad)).toEqual(expect.arrayContaining([
      'tab id "a" is used twice', 'a command tab needs its command', 'the default tab "zzz" is not one of the tabs',
    ]));
    expect(createBlueprintRequestSchema.safeParse({ name: 'X', tabs: [{ id: 's', kind: 'shell', title: 'S' }] }).success).toBe(false);
    expect(createBlueprintRequestSchema.safeParse({ name: 'X', tabs: [{ id: 's', kind: 'shell', title: 'S' }], defaultTab: 's' }).success).toBe(true);
  });

  it('needs a baseUrl for compatible endpoints, not for Anthropic', () => {
    expect(blueprintWorkspaceConfigSchema.safeParse({ llm: { kind: 'anthropic' } }).success).toBe(true);
    expect(blueprintWorkspaceConfigSchema.safeParse({ llm: { kind: 'anthropic-compatible' } }).success).toBe(false);
    expect(blueprintWorkspaceConfigSchema.safeParse({ llm: { kind: 'openai-compatible', baseUrl: 'ftp://x' } }).success).toBe(false);
    expect(blueprintWorkspaceConfigSchema.safeParse({ llm: { kind: 'anthropic-compatible', baseUrl: 'https://llm.example.com' } }).success).toBe(true);
  });

  it('takes partial updates and refuses an empty one', () => {
    expect(updateBlueprintRequestSchema.parse({ layoutLocked: true })).toEqual({ layoutLocked: true });
    expect(updateBlueprintRequestSchema.safeParse({}).success).toBe(false);
  });

  it('hides shell and editor under the layout lock, the editor when disabled, and names terminal sessions', () => {
    const config = defaultBlueprintWorkspaceConfig();
    expect(visibleTabs({ ...config, layoutLocked: true }).map((t) => t.kind)).toEqual(['ai-chat', 'claude']);
    expect(visibleTabs({ ...config, editorEnabled: false }).map((t) => t.kind)).toEqual(['ai-chat', 'claude', 'shell']);
    expect(tabSessionName({ id: 'dev', kind: 'command' })).toBe('cmd-dev');
    expect(tabSessionName({ id: 'x', kind: 'shell' })).toBe('main');
    expect(tabSessionName({ id: 'x', kind: 'claude' })).toBe('claude');
    expect(tabSessionName({ id: 'x', kind: 'ai-chat' })).toBeUndefined();
  });
});

describe("a blueprint's resource limits", () => {
  it('default to 2 CPUs, 4 GiB of memory, 1024 processes, 512 MiB of /tmp and 10 GiB of disk', () => {
    // Stored sparse: a blueprint names only what it changes, so a later organisation default can fill the rest.
    expect(defaultBlueprintWorkspaceConfig().resources).toEqual({});
    expect(DEFAULT_WORKSPACE_LIMITS).toEqual({ cpus: 2, memoryMiB: 4096, processes: 1024, tmpMiB: 512, diskMiB: 10240 });
    expect(resolveWorkspaceLimits({})).toEqual(DEFAULT_WORKSPACE_LIMITS);
    expect(createBlueprintRequestSchema.parse({ name: 'X' }).resources).toEqual({});
  });

  it("take the blueprint's values over the defaults, and keep an unset /tmp within half the memory", () => {
    expect(resolveWorkspaceLimits({ processes: 64, cpus: 0.5 })).toEqual({ ...DEFAULT_WORKSPACE_LIMITS, processes: 64, cpus: 0.5 });
    // /tmp is memory (tmpfs pages count against the memory limit), so it never takes all of it.
    expect(resolveWorkspaceLimits({ memoryMiB: 256 })).toMatchObject({ memoryMiB: 256, tmpMiB: 128 });
    expect(workspaceLimitsSchema.safeParse(resolveWorkspaceLimits({ memoryMiB: 128 })).success).toBe(true);
  });

  it('refuse values out of bounds, unknown names and a /tmp over half the memory', () => {
    const bad = (resources: unknown) => issues(blueprintWorkspaceConfigSchema.safeParse({ resources }));
    for (const resources of [
      { processes: 0 }, { processes: 10_000_000 }, { processes: 64.5 }, { cpus: 0 }, { cpus: 1000 }, { cpus: Number.NaN },
      { memoryMiB: 16 }, { memoryMiB: 1e12 }, { tmpMiB: 0 }, { diskMiB: -1 }, { memoryMB: 512 },
    ]) {
      expect(bad(resources), JSON.stringify(resources)).not.toEqual([]);
    }
    expect(bad({ memoryMiB: 1024, tmpMiB: 1024 })).toEqual(['/tmp is held in memory: at most half of memoryMiB (512)']);
    expect(bad({ tmpMiB: 4096 })).toEqual(['/tmp is held in memory: at most half of memoryMiB (2048)']);
    expect(bad({ cpus: 0.5, memoryMiB: 128, processes: 64, tmpMiB: 16, diskMiB: 256 })).toEqual([]);
  });

  it('are replaced as a whole by a PATCH, checked by the same schema', () => {
    expect(updateBlueprintRequestSchema.parse({ resources: { processes: 64 } })).toEqual({ resources: { processes: 64 } });
    expect(updateBlueprintRequestSchema.safeParse({ resources: { processes: -1 } }).success).toBe(false);
  });
});
