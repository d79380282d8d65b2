import { describe, expect, it } from 'vitest';
import { createBlueprintRequestSchema, updateBlueprintRequestSchema } from './api.js';
import { blueprintWorkspaceConfigSchema, defaultBlueprintWorkspaceConfig, tabSessionName, visibleTabs } from './blueprintConfig.js';

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
