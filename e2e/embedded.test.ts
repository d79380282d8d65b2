import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type Embedded } from '@paddock/cli';
import { freePort } from './harness/freePort.js';
import { listeningPorts } from './harness/listeningPorts.js';
import { TerminalConnection } from './harness/testStack.js';

/** The embedded default as `npm start` runs it: portal and agent as separate processes. */
describe('embedded start (portal + agent processes)', () => {
  let dataDir: string;
  let embedded: Embedded;
  let port: number;
  let tunnelPort: number;
  const token = 'pdk_embedded_test_admin_token';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'paddock-embedded-'));
    chmodSync(dataDir, 0o711);
    [port, tunnelPort] = [await freePort(), await freePort()];
    embedded = await startEmbedded({
      dataDir, port, tunnelPort,
      env: { ...process.env, PADDOCK_ADMIN_TOKEN: token, PADDOCK_ADMIN_PASSWORD: 'embedded-password-123', LOG_LEVEL: 'warn' },
    });
  });
  afterAll(async () => {
    await embedded?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (method: string, path: string, body?: unknown) => fetch(`${embedded.url}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  }).then(async (r) => ({ status: r.status, body: await r.json() as any }));

  it('enrolls the agent with the one-time token and runs a workspace over the tunnel', async () => {
    let agents;
    for (let i = 0; i < 100; i++) {
      agents = (await api('GET', '/api/v1/agents')).body.agents;
      if (agents[0]?.connected) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(agents).toHaveLength(1);
    expect(agents[0].connected).toBe(true);
    expect(existsSync(join(dataDir, 'agent-enrollment.token'))).toBe(false); // spent and removed
    expect(existsSync(join(dataDir, 'tls', 'tunnel-cert.pem'))).toBe(true);

    const bp = (await api('GET', '/api/v1/blueprints')).body.blueprints.find((b: { name: string }) => b.name === 'Starter');
    const ws = await api('POST', '/api/v1/workspaces', { blueprintId: bp.id, name: 'embedded' });
    expect(ws.status).toBe(201);
    let state = ws.body.state;
    for (let i = 0; i < 200 && state !== 'running'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = (await api('GET', `/api/v1/workspaces/${ws.body.id}`)).body.state;
    }
    expect(state).toBe('running');
    const { ticket } = (await api('POST', `/api/v1/workspaces/${ws.body.id}/terminal-tickets`)).body;
    const term = await TerminalConnection.open(`ws://localhost:${port}/api/v1/workspaces/${ws.body.id}/terminal?ticket=${ticket}`);
    term.type('echo $((6*7))\n');
    await term.waitFor(/[\r\n]42\r\n/);
    term.close();
    await api('DELETE', `/api/v1/workspaces/${ws.body.id}`);
  });

  it('the agent process listens on no TCP port; the portal only on its own two', () => {
    expect([...listeningPorts(embedded.agent.pid!)]).toEqual([]);
    expect([...listeningPorts(embedded.portal.pid!)].sort()).toEqual([port, tunnelPort].sort());
  });
});
