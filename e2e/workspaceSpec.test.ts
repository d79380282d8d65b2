import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInWorkspace } from '@paddock/agent';
import { DEMO_MODEL_ID, startModelSim, type ModelSim, type SeenRequest } from '@paddock/model-sim';
import { TestStack } from './harness/testStack.js';

/** Flips a bit of a stored secret's ciphertext (its GCM tag): the row is there, but it no longer opens. */
async function corruptSecrets(stack: TestStack, scope: string) {
  const rows = await stack.db.selectFrom('secrets').select(['id', 'ciphertext']).where('scope', '=', scope).execute();
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    const bytes = Buffer.from(row.ciphertext, 'base64');
    bytes[13]! ^= 1;
    await stack.db.updateTable('secrets').set({ ciphertext: bytes.toString('base64') }).where('id', '=', row.id).execute();
  }
}

describe("a workspace's spec (issue 8)", () => {
  let sim: ModelSim;
  let stack: TestStack;
  const seen: SeenRequest[] = [];

  beforeAll(async () => {
    sim = await startModelSim({ onRequest: (r) => seen.push(r) });
    // The reconciler's waits shortened (5 s between checks, 15 s before a spec goes again): a spec sent again is
    // what these tests wait for. The refresh stays above the agent's own 10 s start timeout, as the default does.
    stack = await TestStack.start({
      llm: { baseUrl: sim.url, apiKey: 'sk-ant-portal-default', model: DEMO_MODEL_ID },
      portal: { reconciler: { resyncEveryMs: 1_000, refreshTimeoutMs: 12_000 } },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await sim?.close();
  });

  async function blueprint(name: string, body: Record<string, unknown> = {}): Promise<string> {
    const created = await stack.api('POST', '/api/v1/blueprints', { name, ...body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id;
  }

  /** Creates a workspace of the blueprint and waits until it failed; returns what its builder sees. */
  async function failedStart(blueprintId: string, name: string): Promise<{ id: string; message: string }> {
    const created = await stack.api('POST', '/api/v1/workspaces', { blueprintId, name });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await stack.waitForState(created.body.id, 'failed', undefined, 60_000);
    const shown = await stack.api('GET', `/api/v1/workspaces/${created.body.id}`);
    return { id: created.body.id, message: shown.body.stateMessage };
  }

  /** The portal's log lines about one workspace. */
  const logLines = (workspaceId: string) => stack.logs.text.split('\n').filter((line) => line.includes(workspaceId));

  /** A message for a builder: plain words, none of the error's own text or the ids behind it. */
  function expectPlainWords(message: string, ...internals: string[]) {
    for (const internal of ['decrypt', 'Error', 'undefined', ...internals]) expect(message).not.toContain(internal);
  }

  describe('when it cannot be built', () => {
    it("says the blueprint's secrets failed when they are what could not be opened", async () => {
      const id = await blueprint('Secrets that no longer open');
      expect((await stack.api('PUT', `/api/v1/blueprints/${id}/secrets/DB_PASSWORD`, { value: 'hunter2' })).status).toBe(200);
      await corruptSecrets(stack, `blueprint:${id}`);
      const ws = await failedStart(id, 'broken-secrets');
      expect(ws.message).toMatch(/secrets/);
      expect(ws.message).not.toMatch(/model|setup/i);
      expectPlainWords(ws.message, id, 'authenticate');
      const lines = logLines(ws.id);
      expect(lines.some((l) => l.includes("decrypting the blueprint's secrets failed") && l.includes('authenticate data'))).toBe(true);
    });

    it("says the model connection failed when the blueprint's provider key could not be opened", async () => {
      const id = await blueprint('Provider key that no longer opens', { model: DEMO_MODEL_ID, llm: { kind: 'anthropic-compatible', baseUrl: sim.url } });
      expect((await stack.api('PUT', `/api/v1/blueprints/${id}/llm-key`, { value: 'sk-ant-blueprint-key' })).status).toBe(200);
      // Its own secrets are fine: only the model route can fail.
      expect((await stack.api('PUT', `/api/v1/blueprints/${id}/secrets/FINE`, { value: 'fine' })).status).toBe(200);
      await corruptSecrets(stack, `blueprint-llm:${id}`);
      const ws = await failedStart(id, 'broken-llm-key');
      expect(ws.message).toMatch(/AI model/);
      expect(ws.message).not.toMatch(/secrets|setup/i);
      expectPlainWords(ws.message, id, 'authenticate', 'sk-ant');
      const lines = logLines(ws.id);
      expect(lines.some((l) => l.includes('building the model route failed') && l.includes('authenticate data'))).toBe(true);
      expect(lines.some((l) => l.includes("the blueprint's secrets"))).toBe(false);
    });

    it("says the workspace setup failed when reading the blueprint's setup is what failed", async () => {
      const id = await blueprint('Setup that cannot be read');
      // The setup is read from the database; make that read fail for this blueprint.
      const setup = stack.portal.services.workspaceSetup;
      const real = setup.startSpec;
      setup.startSpec = (blueprintId) => (blueprintId === id ? Promise.reject(new Error('Connection terminated unexpectedly')) : real.call(setup, blueprintId));
      try {
        const ws = await failedStart(id, 'broken-setup');
        expect(ws.message).toMatch(/setup/);
        expect(ws.message).not.toMatch(/secrets|model/i);
        expectPlainWords(ws.message, id, 'Connection terminated');
        const lines = logLines(ws.id);
        expect(lines.some((l) => l.includes("reading the blueprint's workspace setup failed") && l.includes('Connection terminated unexpectedly'))).toBe(true);
      } finally {
        setup.startSpec = real;
      }
    });
  });

  describe('when it is sent again to a running workspace', () => {
    const workspaceDir = (id: string) => join(stack.dataDir, 'agent', 'workspaces', id);

    /** A running workspace of a blueprint with its own provider key, and a way to change that key (the portal then sends the spec again). */
    async function runningWithOwnKey(name: string) {
      const id = await blueprint(`${name} blueprint`, { model: DEMO_MODEL_ID, llm: { kind: 'anthropic-compatible', baseUrl: sim.url } });
      const putKey = async (value: string) => expect((await stack.api('PUT', `/api/v1/blueprints/${id}/llm-key`, { value })).status).toBe(200);
      await putKey('sk-ant-first');
      const created = await stack.api('POST', '/api/v1/workspaces', { blueprintId: id, name });
      expect(created.status).toBe(201);
      await stack.waitForState(created.body.id, 'running', undefined, 60_000);
      return { workspaceId: created.body.id as string, putKey };
    }

    /** A model call from inside: its status, and the provider key it reached the model with. */
    async function modelCall(workspaceId: string) {
      const before = seen.length;
      const res = await runInWorkspace(stack.runtime, workspaceId,
        `curl -s --max-time 15 -o /dev/null -w "%{http_code}" -H "x-api-key: $ANTHROPIC_API_KEY" -H "content-type: application/json" -d '{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}' "$ANTHROPIC_BASE_URL/v1/messages"`,
        30_000);
      return { status: res.output.trim(), providerKey: seen.slice(before).find((r) => r.path === '/v1/messages')?.headers['x-api-key'] };
    }

    /** The agent's log lines that say it could not apply this workspace's spec. */
    const refreshFailures = (workspaceId: string) => logLines(workspaceId).filter((l) => l.includes('EISDIR') || l.includes('is a directory'));

    async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 120_000) {
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
        if (await condition()) return;
      }
      throw new Error(`timed out waiting until ${what}`);
    }

    it('stays running when its gateway cannot listen again, and takes the spec when the portal sends it again', async () => {
      const { workspaceId, putKey } = await runningWithOwnKey('refresh-fails');
      await runInWorkspace(stack.runtime, workspaceId, 'echo still-the-same > /tmp/marker');
      expect(await modelCall(workspaceId)).toEqual({ status: '200', providerKey: 'sk-ant-first' });

      // The gateway's socket path becomes unusable, then the route changes: the spec the portal sends cannot be applied.
      const socketPath = join(workspaceDir(workspaceId), 'bridges', 'llm.sock');
      rmSync(socketPath);
      mkdirSync(socketPath);
      await putKey('sk-ant-second');
      await waitFor('the agent failed to apply the spec', () => refreshFailures(workspaceId).length > 0);
      // The portal sends it again (it got no answer): it failed twice, and the workspace was running all along.
      await waitFor('the portal sent the spec again', () => refreshFailures(workspaceId).length > 1);
      const shown = await stack.api('GET', `/api/v1/workspaces/${workspaceId}`);
      expect(shown.body).toMatchObject({ state: 'running', stateMessage: '' });

      // Usable again: the next time it is sent it is taken, in the sandbox that never stopped, with the new key.
      rmSync(socketPath, { recursive: true });
      await waitFor('model calls reach the model with the new key', async () => (await modelCall(workspaceId)).providerKey === 'sk-ant-second');
      expect((await runInWorkspace(stack.runtime, workspaceId, 'cat /tmp/marker')).output).toBe('still-the-same\n');
      expect((await stack.api('GET', `/api/v1/workspaces/${workspaceId}`)).body.state).toBe('running');
    }, 300_000);

    it('is reported failed, saying why, when its daemon no longer answers', async () => {
      const { workspaceId, putKey } = await runningWithOwnKey('daemon-gone');
      const init = (JSON.parse(readFileSync(join(workspaceDir(workspaceId), 'state.json'), 'utf8')) as { sandboxInit: { pid: number } }).sandboxInit.pid;
      const daemon = Number(readFileSync(`/proc/${init}/task/${init}/children`, 'utf8').trim().split(' ')[0]);
      process.kill(daemon, 'SIGSTOP');
      try {
        await putKey('sk-ant-second');
        await stack.waitForState(workspaceId, 'failed', undefined, 90_000);
        const shown = await stack.api('GET', `/api/v1/workspaces/${workspaceId}`);
        expect(shown.body.stateMessage).toMatch(/daemon did not answer/);
      } finally {
        process.kill(daemon, 'SIGCONT');
      }
    }, 300_000);
  });
});
