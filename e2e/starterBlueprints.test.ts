import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInWorkspace } from '@paddock/agent';
import { TestStack } from './harness/testStack.js';

/** Fetches a page from inside the workspace (there is no network but loopback). */
const fetchInside = (port: number) => `node -e "fetch('http://127.0.0.1:${port}/').then((r) => r.text()).then((t) => console.log(t))"`;

describe('the starter blueprints', () => {
  let stack: TestStack;
  beforeAll(async () => { stack = await TestStack.start(); });
  afterAll(async () => { await stack?.close(); });

  const start = async (blueprintName: string, workspaceName: string) => {
    const list = await stack.api('GET', '/api/v1/blueprints');
    const blueprint = list.body.blueprints.find((b: { name: string }) => b.name === blueprintName);
    expect(blueprint, blueprintName).toBeDefined();
    const ws = await stack.api('POST', '/api/v1/workspaces', { blueprintId: blueprint.id, name: workspaceName });
    expect(ws.status).toBe(201);
    await stack.waitForState(ws.body.id, 'running');
    return { id: ws.body.id as string, blueprint };
  };

  it('are seeded beside Starter, the non-technical ones locked', async () => {
    const { body } = await stack.api('GET', '/api/v1/blueprints');
    const byName = Object.fromEntries(body.blueprints.map((b: { name: string }) => [b.name, b]));
    expect(Object.keys(byName).sort()).toEqual(['Data app', 'React + Vite', 'Starter', 'Static site']);
    expect(byName['Static site'].layoutLocked).toBe(true);
    expect(byName['Data app'].layoutLocked).toBe(true);
    expect(byName['React + Vite'].layoutLocked).toBe(false);
    expect(byName['React + Vite'].previewPorts).toEqual([5173]);
  });

  it('Static site: serves index.html on 8000 from its command tab', async () => {
    const { id } = await start('Static site', 'site');
    const term = await stack.terminal(id, undefined, 'cmd-site');
    await term.waitFor('serving /workspace on http://127.0.0.1:8000', 15_000);
    term.close();
    expect((await runInWorkspace(stack.runtime, id, fetchInside(8000))).output).toContain('Hello from your static site');
    // The preview list names the blueprint's declared port and sees it listening.
    const previews = (await stack.api('GET', `/api/v1/workspaces/${id}/previews`)).body.ports as Array<{ port: number; listening: boolean; sources: string[] }>;
    expect(previews.find((p) => p.port === 8000)).toMatchObject({ listening: true, sources: expect.arrayContaining(['blueprint', 'detected']) });
  });

  it('Data app: its app reads DATA_SOURCE_TOKEN (a blueprint secret) and the notes explain it in AGENTS.md', async () => {
    const { id } = await start('Data app', 'data');
    const term = await stack.terminal(id, undefined, 'cmd-app');
    await term.waitFor(/data source: token present \(…[0-9a-f]{4}\)/, 15_000);
    await term.waitFor('expenses app on http://127.0.0.1:3000', 15_000);
    term.close();
    expect((await runInWorkspace(stack.runtime, id, fetchInside(3000))).output).toContain('Data source: connected');
    expect((await runInWorkspace(stack.runtime, id, 'cat AGENTS.md')).output).toContain('DATA_SOURCE_TOKEN');
  });

  it('React + Vite: the template is copied in and vite serves it on 5173 from read-only node_modules', async () => {
    const { id } = await start('React + Vite', 'react');
    const term = await stack.terminal(id, undefined, 'cmd-dev');
    await term.waitFor(/ready in|Local:/, 30_000);
    term.close();
    const page = await runInWorkspace(stack.runtime, id, fetchInside(5173));
    expect(page.output).toContain('/src/main.jsx');
    const app = await runInWorkspace(stack.runtime, id, `node -e "fetch('http://127.0.0.1:5173/src/App.jsx').then((r) => r.text()).then((t) => console.log(String(t.includes('Hello from React + Vite'))))"`, 30_000);
    expect(app.output.trim()).toBe('true');
  }, 60_000);
});
