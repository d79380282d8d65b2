// The LLM gateway's streaming overhead: a long streamed answer from the scripted model, called
// directly and through an LlmGateway (Messages passed through; Chat Completions translated), then
// from inside a workspace sandbox through the real path (the daemon's loopback bridge → the agent's gateway socket).
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LlmGateway } from '../packages/agent/dist/index.js';
import { DEMO_MODEL_ID, startModelSim } from '../packages/model-sim/dist/index.js';
import { sleep, waitRunning } from './lib/stack.mjs';
import { nowMs, summary } from './lib/stats.mjs';
import { openPortalTerminal } from './lib/terminal.mjs';

const PROMPT = 'give me a long answer';
const messagesBody = JSON.stringify({ model: DEMO_MODEL_ID, max_tokens: 4096, stream: true, messages: [{ role: 'user', content: PROMPT }] });
const chatBody = JSON.stringify({ model: DEMO_MODEL_ID, max_tokens: 4096, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: PROMPT }] });

/** One streamed call; times the first body byte and the end, and checks the answer is whole. */
function timedCall(target, path, body, headers, endMarker) {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    let ttfb = 0;
    let tail = '';
    const req = request({ ...target, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.on('data', (chunk) => { ttfb ||= nowMs() - t0; tail = (tail + chunk.toString('latin1')).slice(-200); });
      res.on('end', () => {
        if (res.statusCode !== 200 || !tail.includes(endMarker)) reject(new Error(`${path}: ${res.statusCode}, ended with ${JSON.stringify(tail.slice(-60))}`));
        else resolve({ ttfb, total: nowMs() - t0 });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs the paths interleaved (one call of each in turn), so drift on the machine hits them alike. */
async function measure(paths, { warmup, samples, budgetMs }) {
  const out = Object.fromEntries(Object.keys(paths).map((k) => [k, { ttfb: [], total: [] }]));
  const deadline = Date.now() + budgetMs;
  for (let i = 0; i < warmup + samples && Date.now() < deadline; i++) {
    for (const [name, call] of Object.entries(paths)) {
      const r = await call();
      if (i >= warmup) { out[name].ttfb.push(r.ttfb); out[name].total.push(r.total); }
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { ttfb: summary(v.ttfb), total: summary(v.total) }]));
}

// The client run inside the sandbox: same calls, same timing, results to a file.
const inWorkspaceClient = `
import { request } from 'node:http';
const [warmup, samples, budgetMs] = process.argv.slice(2).map(Number);
const base = new URL(process.env.ANTHROPIC_BASE_URL);
const body = ${JSON.stringify(messagesBody)};
const now = () => Number(process.hrtime.bigint()) / 1e6;
const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
function call() {
  return new Promise((resolve, reject) => {
    const t0 = now(); let ttfb = 0; let tail = '';
    const req = request({ host: base.hostname, port: base.port, agent, path: '/v1/messages', method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-api-key': process.env.ANTHROPIC_API_KEY, 'anthropic-version': '2023-06-01' } }, (res) => {
      res.on('data', (c) => { ttfb ||= now() - t0; tail = (tail + c.toString('latin1')).slice(-200); });
      res.on('end', () => (res.statusCode === 200 && tail.includes('message_stop') ? resolve({ ttfb, total: now() - t0 }) : reject(new Error('status ' + res.statusCode + ' ' + tail))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const ttfb = [], total = [];
const deadline = Date.now() + budgetMs;
for (let i = 0; i < warmup + samples && Date.now() < deadline; i++) {
  const r = await call();
  if (i >= warmup) { ttfb.push(r.ttfb); total.push(r.total); }
}
process.stdout.write(JSON.stringify({ ttfb, total }) + '\\n');
`;

/**
 * In-process (direct vs through an LlmGateway on a Unix socket), then, when a stack is given,
 * from inside a workspace. Bounded by budgetS per part.
 */
export async function runLlmGateway(stack, { warmup = 30, samples = 200, budgetS = 12 } = {}) {
  const sim = await startModelSim();
  const dir = mkdtempSync(join(tmpdir(), 'paddock-bench-llm-'));
  const gateway = new LlmGateway();
  const key = LlmGateway.newVirtualKey();
  const listeners = [];
  try {
    const simUrl = new URL(sim.url);
    const anthropicSocket = join(dir, 'anthropic.sock');
    const openaiSocket = join(dir, 'openai.sock');
    gateway.serve('bench-anthropic', { upstreamBaseUrl: sim.url, upstreamApiKey: 'provider-key', model: DEMO_MODEL_ID }, key);
    gateway.serve('bench-openai', { upstreamBaseUrl: `${sim.url}/v1`, upstreamApiKey: 'provider-key', model: DEMO_MODEL_ID, upstreamFormat: 'openai' }, key);
    // As a runtime exposes the gateway to a workspace: a Unix socket whose connections are handed to it.
    for (const [workspaceId, path] of [['bench-anthropic', anthropicSocket], ['bench-openai', openaiSocket]]) {
      const listener = createNetServer((socket) => gateway.accept(workspaceId, socket));
      await new Promise((resolve) => listener.listen(path, resolve));
      listeners.push(listener);
    }
    // Keep-alive clients, as Claude Code and OpenCode use; one call at a time.
    const tcp = { host: simUrl.hostname, port: Number(simUrl.port), agent: new Agent({ keepAlive: true, maxSockets: 1 }) };
    const viaAnthropic = { socketPath: anthropicSocket, agent: new Agent({ keepAlive: true, maxSockets: 1 }) };
    const viaOpenAi = { socketPath: openaiSocket, agent: new Agent({ keepAlive: true, maxSockets: 1 }) };
    const auth = { 'x-api-key': key, 'anthropic-version': '2023-06-01' };
    const started = Date.now();
    const inProcess = await measure({
      direct: () => timedCall(tcp, '/v1/messages', messagesBody, {}, 'message_stop'),
      gateway: () => timedCall(viaAnthropic, '/v1/messages', messagesBody, auth, 'message_stop'),
      directChat: () => timedCall(tcp, '/v1/chat/completions', chatBody, {}, '[DONE]'),
      translated: () => timedCall(viaOpenAi, '/v1/messages', messagesBody, auth, 'message_stop'),
    }, { warmup, samples, budgetMs: budgetS * 1000 });
    const out = { warmup, samples, seconds: (Date.now() - started) / 1000, deltas: 200, ...inProcess };
    if (stack) {
      try {
        out.workspace = await inWorkspace(stack, sim, { warmup, samples, budgetS });
      } catch (err) {
        out.workspaceError = err.message;
      }
    }
    return out;
  } finally {
    for (const listener of listeners) listener.close();
    await gateway.closeAll();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The real path: a workspace of a blueprint whose provider is the bench's model-sim. */
async function inWorkspace(stack, sim, { warmup, samples, budgetS }) {
  const blueprint = await stack.api('POST', '/api/v1/blueprints', {
    name: `bench-llm-${Date.now()}`, model: DEMO_MODEL_ID, llm: { kind: 'anthropic-compatible', baseUrl: sim.url },
  });
  await stack.api('PUT', `/api/v1/blueprints/${blueprint.id}/llm-key`, { value: 'bench-provider-key' });
  const ws = await stack.api('POST', '/api/v1/workspaces', { blueprintId: blueprint.id, name: 'bench-llm' });
  let term;
  try {
    await waitRunning(stack, ws.id, Date.now() + 60_000);
    const dir = join(stack.dir, 'agent', 'workspaces', ws.id, 'workspace');
    writeFileSync(join(dir, 'llm-bench.mjs'), inWorkspaceClient);
    if (process.getuid?.() === 0) chownSync(join(dir, 'llm-bench.mjs'), 100_000, 100_000);
    term = await openPortalTerminal(stack, ws.id, 'llm-bench');
    await term.opened;
    const done = term.waitFor('LLM_BENCH_DONE', (budgetS + 20) * 1000);
    term.send(`node /workspace/llm-bench.mjs ${warmup} ${samples} ${budgetS * 1000} > /workspace/llm-bench.json; echo LLM_BENCH_''DONE rc=$?\r`);
    await done;
    const raw = JSON.parse(readFileSync(join(dir, 'llm-bench.json'), 'utf8'));
    return { ttfb: summary(raw.ttfb), total: summary(raw.total) };
  } finally {
    term?.ws.close();
    await stack.api('DELETE', `/api/v1/workspaces/${ws.id}`).catch(() => {});
    await sleep(100);
  }
}

/** The report section for docs/performance.md. */
export function llmGatewayReport(g, { fmt, ratio }, L) {
  const ms = (v) => `${fmt(v, 2)} ms`;
  L('## 5. LLM gateway streaming overhead');
  L();
  L(`Method: the scripted model (packages/model-sim) on loopback streams its "long answer" scenario: ${g.deltas} text deltas of 24 characters, each event written in its own event-loop turn (so it leaves as its own chunk) without a pause. ` +
    'Every call is a streaming POST from a keep-alive client, one at a time; TTFB is the first body byte (the first event), total the end of the stream. ' +
    'Direct: to the model-sim over TCP. Gateway: the same request through an `LlmGateway` in the bench process, on its Unix socket (virtual-key check, key swap, unbuffered pipe, usage read as it passes). ' +
    'Translated: a blueprint route of kind openai-compatible: the gateway rewrites the Messages request to Chat Completions, the model-sim streams OpenAI chunks, the gateway turns them back into Messages events; its baseline is the direct Chat Completions stream. ' +
    `The four paths run interleaved, ${g.warmup} warm-up rounds, then ${g.direct.total.n} samples each (${fmt(g.seconds, 1)} s).`);
  L();
  L('| figure | direct | through the gateway | ratio | overhead |');
  L('| --- | --- | --- | --- | --- |');
  for (const [k, label] of [['ttfb', 'TTFB'], ['total', 'total']]) {
    for (const p of ['p50', 'p99']) {
      L(`| Messages, ${label} ${p} | ${ms(g.direct[k][p])} | ${ms(g.gateway[k][p])} | ${ratio(g.gateway[k][p], g.direct[k][p])} | ${ms(g.gateway[k][p] - g.direct[k][p])} |`);
    }
  }
  for (const [k, label] of [['ttfb', 'TTFB'], ['total', 'total']]) {
    for (const p of ['p50', 'p99']) {
      L(`| OpenAI-compatible (translated), ${label} ${p} | ${ms(g.directChat[k][p])} | ${ms(g.translated[k][p])} | ${ratio(g.translated[k][p], g.directChat[k][p])} | ${ms(g.translated[k][p] - g.directChat[k][p])} |`);
    }
  }
  L();
  if (g.workspace) {
    const w = g.workspace;
    L(`From inside a workspace (the real path: a Node client in the bubblewrap sandbox → the daemon's bridge on the sandbox's loopback port → the agent's gateway socket → the model-sim; ${w.total.n} samples after ${g.warmup} warm-up, against the in-process direct figures above, which ran from the host):`);
    L();
    L('| figure | direct (host) | from the workspace | ratio | overhead |');
    L('| --- | --- | --- | --- | --- |');
    for (const [k, label] of [['ttfb', 'TTFB'], ['total', 'total']]) {
      for (const p of ['p50', 'p99']) L(`| ${label} ${p} | ${ms(g.direct[k][p])} | ${ms(w[k][p])} | ${ratio(w[k][p], g.direct[k][p])} | ${ms(w[k][p] - g.direct[k][p])} |`);
    }
    L();
  } else if (g.workspaceError) {
    L(`The in-workspace pass failed in this run: ${g.workspaceError}`);
    L();
  }
}
