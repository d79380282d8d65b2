import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_ID, startModelSim, type ModelSim } from '@paddock/model-sim';
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

  beforeAll(async () => {
    sim = await startModelSim();
    stack = await TestStack.start({ llm: { baseUrl: sim.url, apiKey: 'sk-ant-portal-default', model: DEMO_MODEL_ID } });
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
      const reconciler = stack.portal.services.reconciler;
      const real = reconciler.workspaceSetup;
      reconciler.workspaceSetup = (blueprintId) => (blueprintId === id ? Promise.reject(new Error('Connection terminated unexpectedly')) : real(blueprintId));
      try {
        const ws = await failedStart(id, 'broken-setup');
        expect(ws.message).toMatch(/setup/);
        expect(ws.message).not.toMatch(/secrets|model/i);
        expectPlainWords(ws.message, id, 'Connection terminated');
        const lines = logLines(ws.id);
        expect(lines.some((l) => l.includes("reading the blueprint's workspace setup failed") && l.includes('Connection terminated unexpectedly'))).toBe(true);
      } finally {
        reconciler.workspaceSetup = real;
      }
    });
  });
});
