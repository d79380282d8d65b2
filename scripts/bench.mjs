#!/usr/bin/env node
// `npm run bench`: builds if needed, starts a throwaway portal + agent on loopback, runs the
// benches in bench/, tears everything down and writes docs/performance.md and docs/performance.json.
import { execFileSync, execSync } from 'node:child_process';
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

const root = new URL('../', import.meta.url).pathname;
process.chdir(root);

const quick = process.argv.includes('--quick');
const hardLimitMs = 8 * 60_000;
const watchdog = setTimeout(() => { console.error('bench: hard time limit reached'); cleanupAndExit(2); }, hardLimitMs);
watchdog.unref();

console.log('bench: building (npx tsc -b)');
execSync('npx tsc -b', { stdio: 'inherit' });

const { startStack } = await import('../bench/lib/stack.mjs');
const { runBaselines, runCreateLatency } = await import('../bench/createLatency.mjs');
const { runTerminalEcho } = await import('../bench/terminalEcho.mjs');
const { runTerminalThroughput } = await import('../bench/terminalThroughput.mjs');
const { fmt, ratio } = await import('../bench/lib/stats.mjs');
const { runPreviewProxy, previewReport } = await import('../bench/previewProxy.mjs');
const { runLlmGateway, llmGatewayReport } = await import('../bench/llmGateway.mjs');
const { runPolicyGuard, policyGuardReport } = await import('../bench/policyGuard.mjs');
const { runEgressProxy, egressProxyReport } = await import('../bench/egressProxy.mjs');
const { runPublishedApp, publishedAppReport } = await import('../bench/publishedApp.mjs');

let stack;
async function cleanupAndExit(code) {
  try { await stack?.stop(); } catch {}
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void cleanupAndExit(130));

async function startWithRetry() {
  for (let attempt = 1; ; attempt++) {
    try { return await startStack(); } catch (err) {
      if (attempt >= 2) throw err;
      console.error(`bench: stack did not start (${err.message}); retrying once`);
    }
  }
}

const started = Date.now();
const loadAtStart = os.loadavg();
const results = {};
const timings = {};
async function phase(name, fn) {
  const t = Date.now();
  console.log(`bench: ${name}…`);
  results[name] = await fn();
  timings[name] = (Date.now() - t) / 1000;
  console.log(`bench: ${name} done in ${timings[name].toFixed(1)} s`);
}

try {
  await phase('baselines', () => runBaselines({ samples: quick ? 5 : 15 }));
  stack = await startWithRetry();
  await phase('create', () => runCreateLatency(stack, quick ? { sequential: 3, concurrent: 5, rounds: 1 } : { sequential: 15, concurrent: 20, rounds: 2 }));
  await phase('echo', () => runTerminalEcho(stack, quick ? { warmup: 20, samples: 100 } : { warmup: 100, samples: 500 }));
  await phase('throughput', () => runTerminalThroughput(stack, { sizesMb: quick ? [10, 40] : [50, 200] }));
  await phase('preview', () => runPreviewProxy(stack, quick ? { durationS: 2 } : { durationS: 5 }));
  await phase('publishedApp', () => runPublishedApp(stack, quick ? { durationS: 2 } : { durationS: 5 }));
  await phase('llmGateway', () => runLlmGateway(stack, quick ? { warmup: 10, samples: 50, budgetS: 5 } : { warmup: 30, samples: 200, budgetS: 12 }));
  await phase('policyGuard', () => runPolicyGuard(quick ? { warmup: 20, samples: 100, processes: 10 } : { warmup: 50, samples: 500, processes: 40 }));
  await phase('egressProxy', () => runEgressProxy(quick ? { warmup: 10, samples: 60 } : { warmup: 30, samples: 300 }));
} catch (err) {
  console.error('bench failed:', err);
  if (stack) console.error(stack.logs.slice(-30).join(''));
  await cleanupAndExit(1);
}
await stack.stop();
stack = undefined;

const totalSeconds = (Date.now() - started) / 1000;
const doc = report(results, totalSeconds);
mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(join(root, 'docs/performance.md'), doc);
// The same figures, by name, for tools and for comparing runs (each ratio's baseline was measured in this run).
writeFileSync(join(root, 'docs/performance.json'), `${JSON.stringify({ date: new Date().toISOString(), loadAtStart, results, timings }, null, 2)}\n`);
console.log(doc);
console.log(`bench: wrote docs/performance.md and docs/performance.json (${totalSeconds.toFixed(0)} s)`);
process.exit(0);

function sh(cmd) { try { return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return 'n/a'; } }

function report(r, seconds) {
  const cpus = os.cpus();
  const b = r.baselines, c = r.create, e = r.echo, t = r.throughput;
  const base = b.bwrap.n ? b.bwrap : b.node;
  const baseName = b.bwrap.n ? 'bare bwrap sandbox running `node -e 0`' : '`node -e 0`';
  const ms = (v) => `${fmt(v, 1)} ms`;
  const ms2 = (v) => `${fmt(v, 3)} ms`;
  const mb = (kb) => (kb === undefined ? 'n/a' : `${fmt(kb / 1024, 0)} MiB`);
  const eDirect = e.direct, eFull = e.full;
  const overheadP50 = eFull.p50 - eDirect.p50;
  const overheadP99 = eFull.p99 - eDirect.p99;
  const fullBig = t.full[t.full.length - 1], fullSmall = t.full[0], direct = t.direct[0];
  const grow = (run, k) => ((run.peakRssKb[k] ?? 0) - (run.startRssKb[k] ?? 0)) / 1024;
  const lines = [];
  const L = (s = '') => lines.push(s);
  L('# Performance');
  L();
  L('Generated by `npm run bench` (scripts/bench.mjs, benches in bench/). Do not edit by hand; rerun instead.');
  L();
  L(`- date: ${new Date().toISOString()}`);
  L(`- machine: ${os.cpus().length} CPU (nproc ${sh('nproc')}, ${cpus[0]?.model ?? 'unknown'}), ${fmt(os.totalmem() / 1024 ** 3, 1)} GiB RAM, ${os.type()} ${os.release()}`);
  L(`- node ${process.version}, ${sh('bwrap --version')}; load average at start ${loadAtStart.map((x) => x.toFixed(2)).join(' / ')}, at end ${os.loadavg().map((x) => x.toFixed(2)).join(' / ')} (other work on the machine moves every figure; compare ratios within one run, not absolute numbers across runs)`);
  L(`- whole run: ${fmt(seconds, 0)} s; everything on loopback: portal and agent as separate processes over the real TLS gRPC tunnel, workspaces in bubblewrap sandboxes, PGlite database`);
  L('- percentiles are nearest-rank; "p99" of a small sample is close to its maximum');
  L();

  L('## 1. Workspace create → terminal ready');
  L();
  L('Method: `POST /api/v1/workspaces` (Starter blueprint) → poll `GET /api/v1/workspaces/:id` every 20 ms until `running` → `POST …/terminal-tickets` → open the terminal WebSocket → first binary frame (the bash prompt, replayed from the daemon). ' +
    `Sequential: ${c.sequential.total.n} creates one after another (each deleted, and gone, before the next). Concurrent: ${c.concurrent.concurrency} creates fired at once, ${c.concurrent.rounds} round(s), ${c.concurrent.total.n} samples` +
    (c.concurrent.failures.length ? `, ${c.concurrent.failures.length} failed (${[...new Set(c.concurrent.failures)].slice(0, 3).join('; ')})` : ', none failed') + '. ' +
    `Baseline, same run: ${b.node.n} spawns of \`node -e 0\` and of a bare bubblewrap sandbox (\`bwrap --unshare-all --clearenv --ro-bind /usr /usr … node -e 0\`), both with a clean environment, waited to exit. The ratio is against the ${baseName}: the floor for "start an isolated process", so it shows what Paddock adds on top (control channel round trips, the sandbox set-up, the daemon's start, the PTY and bash's login start, the ticket and relay).`);
  L();
  L('| figure | p50 | p99 | baseline p50 | baseline p99 | ratio p50 | ratio p99 |');
  L('| --- | --- | --- | --- | --- | --- | --- |');
  L(`| sequential create → prompt | ${ms(c.sequential.total.p50)} | ${ms(c.sequential.total.p99)} | ${ms(base.p50)} | ${ms(base.p99)} | ${ratio(c.sequential.total.p50, base.p50)} | ${ratio(c.sequential.total.p99, base.p99)} |`);
  L(`| ${c.concurrent.concurrency} concurrent creates → prompt | ${ms(c.concurrent.total.p50)} | ${ms(c.concurrent.total.p99)} | ${ms(base.p50)} | ${ms(base.p99)} | ${ratio(c.concurrent.total.p50, base.p50)} | ${ratio(c.concurrent.total.p99, base.p99)} |`);
  L();
  L('Baselines measured in this run:');
  L();
  L('| baseline | p50 | p99 |');
  L('| --- | --- | --- |');
  L(`| \`node -e 0\` | ${ms(b.node.p50)} | ${ms(b.node.p99)} |`);
  L(`| bare bwrap + \`node -e 0\` | ${b.bwrap.n ? ms(b.bwrap.p50) : 'n/a'} | ${b.bwrap.n ? ms(b.bwrap.p99) : 'n/a'} |`);
  L();
  L('Where the time goes (p50 / p99 of each step):');
  L();
  L('| step | sequential p50 | sequential p99 | concurrent p50 | concurrent p99 |');
  L('| --- | --- | --- | --- | --- |');
  for (const [k, label] of [['post', 'POST create answered'], ['toRunning', 'POST → state `running` (incl. the POST)'], ['wsOpen', 'running → terminal WS open (ticket + upgrade + dial)'], ['firstFrame', 'WS open → first prompt byte']]) {
    L(`| ${label} | ${ms(c.sequential[k].p50)} | ${ms(c.sequential[k].p99)} | ${ms(c.concurrent[k].p50)} | ${ms(c.concurrent[k].p99)} |`);
  }
  L();

  L('## 2. Keystroke echo round trip');
  L();
  L(`Method: the session runs \`stty raw -echo; exec cat\`, then the client sends one byte at a time and times until that byte comes back (the next byte is sent only after the echo). ${e.warmup} warm-up round trips, then ${eFull.n} samples per path. ` +
    'Full path: `ws` client → portal terminal WebSocket → gRPC tunnel (TLS, loopback) → agent → daemon Unix socket inside the bubblewrap sandbox → PTY → `cat`, and back. ' +
    'Baseline: a `ws` client on a direct WebSocket to a daemon created in the bench process with `createDaemon` on a temp Unix socket (no sandbox, no portal, no tunnel), same `cat`. The direct pass runs before and after the full-path pass; the table uses the first, the second shows drift.');
  L();
  L('| figure | full path | direct (baseline) | ratio | overhead |');
  L('| --- | --- | --- | --- | --- |');
  L(`| p50 | ${ms2(eFull.p50)} | ${ms2(eDirect.p50)} | ${ratio(eFull.p50, eDirect.p50)} | ${ms2(overheadP50)} |`);
  L(`| p99 | ${ms2(eFull.p99)} | ${ms2(eDirect.p99)} | ${ratio(eFull.p99, eDirect.p99)} | ${ms2(overheadP99)} |`);
  L(`| mean | ${ms2(eFull.mean)} | ${ms2(eDirect.mean)} | ${ratio(eFull.mean, eDirect.mean)} | ${ms2(eFull.mean - eDirect.mean)} |`);
  L();
  L(`Direct again after the full pass: p50 ${ms2(e.directAfter.p50)}, p99 ${ms2(e.directAfter.p99)}.`);
  L();
  L(`**Target "overhead ≤ 1 ms at p50": ${overheadP50 <= 1 ? 'met' : 'NOT met'}** (${ms2(overheadP50)}).`);
  L();

  L('## 3. Terminal output throughput and portal memory');
  L();
  L(`Method: the session runs \`head -c <N>M /dev/zero | base64; echo TP_DONE\`; the client counts binary bytes from sending the command until the marker. base64 turns N MiB into about 1.37·N MiB of lines (plus a CR per line from the PTY). Full path: one workspace, ${t.full.map((x) => `${x.inputMb} MiB`).join(' then ')}, each in a fresh session. Baseline: ${direct.inputMb} MiB through the in-process direct daemon, same run. ` +
    'During each full-path run the portal\'s and agent\'s VmRSS (/proc/<pid>/status) are sampled every 50 ms; the portal\'s VmHWM is read before and after.');
  L();
  L('| figure | full path | direct (baseline) | ratio |');
  L('| --- | --- | --- | --- |');
  L(`| throughput, ${fullBig.inputMb} MiB input (${fmt(fullBig.bytes / 2 ** 20, 0)} MiB received) | ${fmt(fullBig.mbPerSec, 1)} MiB/s (${fmt(fullBig.seconds, 1)} s) | ${fmt(direct.mbPerSec, 1)} MiB/s (${fmt(direct.seconds, 1)} s) | ${ratio(fullBig.mbPerSec, direct.mbPerSec)} |`);
  L(`| throughput, ${fullSmall.inputMb} MiB input | ${fmt(fullSmall.mbPerSec, 1)} MiB/s (${fmt(fullSmall.seconds, 1)} s) | – | – |`);
  L();
  L('| memory | at the start of the run | peak during the run | growth |');
  L('| --- | --- | --- | --- |');
  for (const run of t.full) {
    L(`| portal VmRSS, ${run.inputMb} MiB run | ${mb(run.startRssKb.portal)} | ${mb(run.peakRssKb.portal)} | ${fmt(grow(run, 'portal'), 1)} MiB |`);
    L(`| agent VmRSS, ${run.inputMb} MiB run | ${mb(run.startRssKb.agent)} | ${mb(run.peakRssKb.agent)} | ${fmt(grow(run, 'agent'), 1)} MiB |`);
  }
  L(`| portal VmHWM (lifetime peak) | ${mb(t.portalHwmKb.before)} before the first stream | ${mb(fullBig.portalHwmKbAfter)} after the last | – |`);
  L(`| bench process (direct daemon + client), ${direct.inputMb} MiB | ${mb(direct.startRssKb.bench)} | ${mb(direct.peakRssKb.bench)} | ${fmt(grow(direct, 'bench'), 1)} MiB |`);
  L();
  L(`Bounded: during the ${fullSmall.inputMb} MiB run the portal's RSS rose at most ${fmt(grow(fullSmall, 'portal'), 1)} MiB over its level at the start of the run, during the ${fullBig.inputMb} MiB run at most ${fmt(grow(fullBig, 'portal'), 1)} MiB, for ${fmt(fullBig.inputMb / fullSmall.inputMb, 0)}× the bytes relayed (agent: ${fmt(grow(fullSmall, 'agent'), 1)} MiB and ${fmt(grow(fullBig, 'agent'), 1)} MiB). ` +
    'The portal\'s absolute RSS is dominated by what it holds before any terminal opens (see the notes), and moves between runs with garbage collection, so the growth during a run is the figure that speaks to the relay.');
  L();
  if (r.preview) previewReport(r.preview, { fmt, ratio }, L);
  if (r.llmGateway) llmGatewayReport(r.llmGateway, { fmt, ratio }, L);
  if (r.policyGuard) policyGuardReport(r.policyGuard, { fmt, ratio }, L);
  if (r.egressProxy) egressProxyReport(r.egressProxy, { fmt, ratio }, L);
  if (r.publishedApp) publishedAppReport(r.publishedApp, { fmt, ratio }, L);
  return lines.join('\n') + '\n' + notes(r) + '\n';
}

function notes(r) {
  try { return readFileSync(join(root, 'bench/notes.md'), 'utf8'); } catch { return ''; }
}
