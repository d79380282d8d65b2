import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createTcpServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { EffectivePolicy, GovernanceEventReport } from '@paddock/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_ID, startModelSim, type ModelSim, type SeenRequest } from '@paddock/model-sim';
import { systemClock } from '../../governance/clock.js';
import { PolicyDecider } from '../../governance/policyDecider.js';
import { LlmGateway } from './llmGateway.js';

const KEY = 'pdk-vk-governed-test-key';

interface Answer { status: number; body: string; endedAt: number }

/** A Messages call over the workspace's gateway socket; `onData` sees each chunk as it arrives. */
function messages(socketPath: string, body: object, onData?: (text: string) => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/v1/messages', method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-api-key': KEY } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString(); onData?.(chunk.toString()); });
      const done = () => resolve({ status: res.statusCode ?? 0, body: text, endedAt: Date.now() });
      res.on('end', done);
      res.on('aborted', done);
      res.on('error', done);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const ask = (prompt: string, extra: object = {}) => ({ model: DEMO_MODEL_ID, max_tokens: 100, messages: [{ role: 'user', content: prompt }], ...extra });
const tools = [{ name: 'Bash', input_schema: { type: 'object' } }, { name: 'Write', input_schema: { type: 'object' } }];

function policy(over: Partial<EffectivePolicy> = {}): EffectivePolicy {
  return {
    mode: 'enforce',
    defaults: { llm_call: 'allow', bash_command: 'allow', file_write: 'allow', git_push: 'allow', http_request: 'deny' },
    rules: [{ id: 'no-echo', class: 'bash_command', match: { command: 'echo *' }, verdict: 'deny' }],
    contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
    killSwitch: { engaged: false },
    holdTimeoutSeconds: 300,
    ...over,
  };
}

describe('the LLM gateway under governance', () => {
  let dir: string;
  let sim: ModelSim;
  let seen: SeenRequest[];
  let events: GovernanceEventReport[];
  let decider: PolicyDecider;
  let gateway: LlmGateway;
  const listeners: NetServer[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'llm-gov-'));
    sim = await startModelSim({ onRequest: (r) => seen.push(r) });
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await gateway.closeAll();
    for (const listener of listeners.splice(0)) listener.close();
  });

  async function open(format: 'anthropic' | 'openai' = 'anthropic', upstreamBaseUrl = format === 'openai' ? `${sim.url}/v1` : sim.url) {
    seen = [];
    events = [];
    decider = new PolicyDecider({ uplink: { report: (e) => events.push(e), hold: () => Promise.reject(new Error('offline')) }, clock: systemClock });
    gateway = new LlmGateway({ governance: decider });
    gateway.serve('ws1', { upstreamBaseUrl, upstreamApiKey: 'sk-ant-real', model: DEMO_MODEL_ID, upstreamFormat: format }, KEY);
    const socket = join(dir, `llm-${randomBytes(4).toString('hex')}.sock`);
    const listener = createTcpServer((connection) => gateway.accept('ws1', connection));
    await new Promise<void>((r) => listener.listen(socket, () => r()));
    listeners.push(listener);
    return socket;
  }

  const modelCalls = () => seen.filter((r) => r.path.startsWith('/v1/messages') || r.path.startsWith('/v1/chat/completions'));
  const until = async (check: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  };

  it('passes an ungoverned workspace through, and records nothing', async () => {
    const socket = await open();
    expect((await messages(socket, ask('hello'))).status).toBe(200);
    expect(events).toEqual([]);
  });

  it('refuses model calls while the kill switch is engaged, with the reason, and calls work after release', async () => {
    const socket = await open();
    decider.setPolicy('ws1', policy({ mode: 'monitor', killSwitch: { engaged: true, scope: 'org', reason: 'incident 7' } }));
    const refused = await messages(socket, ask('hello'));
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: "Stopped by an admin: the organisation's kill switch is engaged: incident 7." } });
    expect(modelCalls()).toEqual([]);
    expect(events).toMatchObject([{ point: 'gateway', class: 'llm_call', verdict: 'deny', enforced: true }]);
    // The model list too: no traffic at all.
    const models = await new Promise<number>((resolve, reject) => {
      request({ socketPath: socket, path: '/v1/models', agent: false, headers: { 'x-api-key': KEY } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject).end();
    });
    expect(models).toBe(400);
    expect(seen).toEqual([]);
    decider.setPolicy('ws1', policy());
    expect((await messages(socket, ask('hello'))).status).toBe(200);
  });

  it('cuts a stream in flight within a second of the kill switch, telling the client why', async () => {
    const socket = await open();
    decider.setPolicy('ws1', policy());
    let firstData!: () => void;
    const streaming = new Promise<void>((r) => (firstData = r));
    const answer = messages(socket, ask('count slowly', { stream: true }), () => firstData());
    await streaming;
    const engagedAt = Date.now();
    decider.setPolicy('ws1', policy({ killSwitch: { engaged: true, scope: 'blueprint', reason: 'leak' } }));
    const cut = await answer;
    expect(cut.endedAt - engagedAt).toBeLessThan(1000);
    expect(cut.body).toContain('event: error');
    expect(cut.body).toContain("this blueprint's kill switch is engaged: leak");
    expect(cut.body).not.toContain('message_stop');
  });

  it('blocks a prompt carrying a secret in enforce mode before it reaches the model, and only records it in monitor mode', async () => {
    const socket = await open();
    const secret = `ghp_${randomBytes(27).toString('base64').replace(/[^a-zA-Z0-9]/g, 'a').slice(0, 36)}`;
    decider.setPolicy('ws1', policy());
    const refused = await messages(socket, ask(`please use my token ${secret} to push`));
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body).error.message).toContain('ghp_***');
    expect(refused.body).not.toContain(secret);
    expect(modelCalls()).toEqual([]);
    expect(events[0]).toMatchObject({ class: 'llm_call', verdict: 'deny', enforced: true, filter: { filter: 'secrets', rule: 'github', masked: 'ghp_***' } });

    decider.setPolicy('ws1', policy({ mode: 'monitor' }));
    expect((await messages(socket, ask(`please use my token ${secret} to push`))).status).toBe(200);
    expect(modelCalls()).toHaveLength(1);
    expect(events[1]).toMatchObject({ verdict: 'deny', enforced: false, filter: { masked: 'ghp_***' } });
    expect(JSON.stringify(events)).not.toContain(secret);
  });

  it("blocks the workspace's own credential, base64-encoded, in a prompt", async () => {
    const socket = await open();
    decider.setPolicy('ws1', policy());
    decider.setCredentials('ws1', ['blueprint-secret-Zx81qq']);
    const refused = await messages(socket, ask(`send ${Buffer.from('x:blueprint-secret-Zx81qq').toString('base64')} to the pastebin`));
    expect(refused.status).toBe(400);
    expect(events[0]?.filter?.filter).toBe('exfiltration');
  });

  for (const stream of [false, true]) {
    it(`records the tool calls in a ${stream ? 'streamed' : 'JSON'} answer as classified events, without holding the answer`, async () => {
      const socket = await open();
      decider.setPolicy('ws1', policy());
      const answer = await messages(socket, ask('run three commands at once', { tools, stream }));
      expect(answer.status).toBe(200);
      await until(() => events.filter((e) => e.class === 'bash_command').length === 3);
      const commands = events.filter((e) => e.class === 'bash_command');
      expect(commands).toHaveLength(3);
      for (const event of commands) {
        expect(event).toMatchObject({ point: 'gateway', verdict: 'deny', enforced: true, ruleId: 'no-echo' });
        expect(event.summary).toMatch(/echo "call \d of 3" > parallel-\d\.txt$/);
      }
      expect(events.filter((e) => e.class === 'llm_call')).toHaveLength(1);
    });
  }

  it('records a file write the model asks for, through an OpenAI-compatible upstream too', async () => {
    const socket = await open('openai');
    decider.setPolicy('ws1', policy());
    for (const stream of [false, true]) {
      events.length = 0;
      const answer = await messages(socket, ask('build a page that says hello', { tools, stream }));
      expect(answer.status).toBe(200);
      await until(() => events.some((e) => e.class === 'file_write'));
      expect(events.find((e) => e.class === 'file_write')).toMatchObject({ point: 'gateway', verdict: 'allow', summary: expect.stringMatching(/^write \/.*index\.html$/) });
    }
  });
});
