import { describe, expect, it } from 'vitest';
import { blueprintSchema, createBlueprintRequestSchema } from '@paddock/protocol';
import { whatYouGet } from './BlueprintCard';

const blueprint = (over: object) => blueprintSchema.parse({
  ...createBlueprintRequestSchema.parse({ name: 'X', ...over }),
  id: 'b1', access: 'open', createdAt: '2026-12-01T00:00:00Z', updatedAt: '2026-12-01T00:00:00Z', archivedAt: null,
  allowPublicApps: false, trustedPublishing: true, appsGetCredentials: false,
});

describe('whatYouGet', () => {
  it('says in plain words what the builder gets, from the tabs they will see', () => {
    expect(whatYouGet(blueprint({}))).toEqual(['Build by chatting with the AI', 'Edit the code yourself', 'A terminal for hands-on work']);
    // Locked: no terminal, no editor; a command tab or a preview port means a live app.
    expect(whatYouGet(blueprint({ layoutLocked: true, previewPorts: [8000] }))).toEqual(['Build by chatting with the AI', 'See your app live as it is built']);
    expect(whatYouGet(blueprint({ editorEnabled: false, tabs: [{ id: 'shell', kind: 'shell', title: 'Shell' }], defaultTab: 'shell' }))).toEqual(['A terminal for hands-on work']);
  });
});
