// paddock-guard's verdict round trip: the agent's policy bridge in the bench process, on a Unix
// socket as a workspace reaches it, asked (1) by the guard's own client, a new connection per
// question as the guard makes it, and (2) by whole guard processes, as Claude Code runs one
// before every tool call, against `node -e 0` spawned in the same run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyBridge } from '../packages/agent/dist/index.js';
import { FixedPolicyDecider } from '../packages/agent/dist/governance/testing/fixedPolicyDecider.js';
import { PolicyClient } from '../packages/agent/dist/guard/policyClient.js';
import { nowMs, summary } from './lib/stats.mjs';

const guardModule = new URL('../packages/agent/dist/guard/guard.js', import.meta.url).href;
const allow = { llm_call: 'allow', bash_command: 'allow', file_write: 'allow', git_push: 'ask', http_request: 'deny' };
const policy = {
  mode: 'enforce', defaults: allow, contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
  rules: [{ id: 'no-curl', class: 'bash_command', match: { command: 'curl *' }, verdict: 'deny' }],
  killSwitch: { engaged: false }, holdTimeoutSeconds: 300,
};

function timedSpawn(args) {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ ms: nowMs() - t0, code }));
  });
}

export async function runPolicyGuard({ warmup = 50, samples = 500, processes = 40 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-bench-guard-'));
  const socketPath = join(dir, 'policy.sock');
  const decider = new FixedPolicyDecider(policy);
  const bridge = new PolicyBridge(decider);
  const service = await bridge.start({ workspaceId: 'bench', ownerId: 'o', blueprintId: 'b', env: {} });
  const server = createServer((socket) => service.accept(socket));
  await new Promise((resolve) => server.listen(socketPath, resolve));
  // The guard's entry with this socket in place of the workspace's fixed one: the same modules, the same start.
  const entry = join(dir, 'guard.mjs');
  writeFileSync(entry, `import { runGuard } from ${JSON.stringify(guardModule)};
runGuard(process.argv.slice(2), { socketPath: ${JSON.stringify(socketPath)}, readStdin: async () => '', stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), now: () => Date.now() }).then((c) => { process.exitCode = c; });
`);
  try {
    const client = new PolicyClient(socketPath);
    const action = { action: { class: 'bash_command', command: 'npm run build && npm test' } };
    const roundTrip = [];
    for (let i = 0; i < warmup + samples; i++) {
      const t0 = nowMs();
      const outcome = await client.decide(action, 10_000);
      if (outcome.verdict !== 'allow') throw new Error(`unexpected verdict ${outcome.verdict}`);
      if (i >= warmup) roundTrip.push(nowMs() - t0);
    }
    const guard = [];
    const node = [];
    for (let i = 0; i < processes + 3; i++) {
      // Interleaved, so drift on the machine hits both alike; the first three of each warm the page cache.
      const g = await timedSpawn([entry, 'check', '--class', 'bash_command', '--command', i % 2 ? 'ls' : 'curl https://example.com']);
      if (g.code !== (i % 2 ? 0 : 2)) throw new Error(`guard exited ${g.code}`);
      const n = await timedSpawn(['-e', '0']);
      if (i >= 3) { guard.push(g.ms); node.push(n.ms); }
    }
    return { warmup, roundTrip: summary(roundTrip), guardProcess: summary(guard), nodeProcess: summary(node) };
  } finally {
    server.close();
    await bridge.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function policyGuardReport(r, { fmt, ratio }, L) {
  const ms = (v) => `${fmt(v, 2)} ms`;
  L('## 6. paddock-guard verdict round trip');
  L();
  L('Method: the agent\'s policy bridge (`PolicyBridge` over a fixed-policy decider) in the bench process on a Unix socket, as a workspace reaches it. ' +
    `Round trip: the guard's own client asks \`POST /v1/decide\` for a bash command, a new connection per question as the guard makes it, ${r.warmup} warm-up then ${r.roundTrip.n} samples, one at a time. ` +
    `Whole process: the guard's modules started as a process (\`check --class bash_command\`, alternately allowed and denied, exit codes checked), as Claude Code runs one before every tool call, interleaved with \`node -e 0\`, ${r.guardProcess.n} each.`);
  L();
  L('| figure | p50 | p99 |');
  L('| --- | --- | --- |');
  L(`| verdict round trip (connect, request, decision, answer) | ${ms(r.roundTrip.p50)} | ${ms(r.roundTrip.p99)} |`);
  L(`| whole guard process | ${ms(r.guardProcess.p50)} | ${ms(r.guardProcess.p99)} |`);
  L(`| \`node -e 0\` (baseline) | ${ms(r.nodeProcess.p50)} | ${ms(r.nodeProcess.p99)} |`);
  L(`| guard process over baseline | ${ratio(r.guardProcess.p50, r.nodeProcess.p50)} (${ms(r.guardProcess.p50 - r.nodeProcess.p50)}) | ${ratio(r.guardProcess.p99, r.nodeProcess.p99)} |`);
  L();
  L(`**Target "verdict round trip p99 ≤ 20 ms": ${r.roundTrip.p99 <= 20 ? 'met' : 'NOT met'}** (${ms(r.roundTrip.p99)}). The whole process is dominated by Node's own start, which the guard shares with every Node program.`);
  L();
}
