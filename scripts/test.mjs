// `npm test`: every test. The packages other than the portal's run first, two files
// at a time; the portal's and e2e tests (the browser journeys in Chromium among them)
// then run on PGlite, and those about the data layer again on PostgreSQL
// (DATABASE_URL, or a throwaway cluster).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, ensureDebianPackages, ensureNodeModules, ensureTemplateModules, log, root } from './lib/setup.mjs';
import { startThrowawayPostgres } from './lib/throwawayPostgres.mjs';

const filters = process.argv.slice(2);

/**
 * The PostgreSQL pass reruns every portal and e2e test except these, which run
 * once, on PGlite: `npm test` must stay under 30 minutes on 2 cores. The pass is
 * there to prove the data layer on a real server, so it leaves out a file whose
 * subject is the browser, the sandbox, the tunnel, the terminal, egress, resource
 * limits, process start-up or the AI path, and one that never opens the pass's
 * database (it would run the same thing twice). It keeps anything about SQL,
 * transactions, concurrency, migrations, the audit chain, the event bus
 * (LISTEN/NOTIFY), authorization scoping, backups, replicas and the logs (the
 * drivers' errors differ). The preview and files suites run on both: previews
 * keep their one-time links and sessions in the database, files check ownership
 * there (measured on PostgreSQL: preview 21 s, files 16 s of test time, 44 s wall
 * for the two). Measured on 2 cores (2026-12), the files below that this list
 * gained took 263 s of the pass's 490 s wall, most of it workspaceSpec 72 s,
 * llmRestart 34 s, workspaceHttp 32 s, workspaceSetup 13 s, backupScheduler 13 s,
 * resourceLimits 12 s, terminalSessions 12 s, tunnel 11 s and dataDirModes 10 s.
 */
const postgresPassExcludes = [
  // The browser (Chromium), and the AI path: the model gateway, its upstreams and restarts, the real claude and OpenCode.
  'e2e/browser/**',
  'e2e/aiChat.test.ts',
  'e2e/llmGateway.test.ts',
  'e2e/llmRestart.test.ts',
  'e2e/openaiUpstream.test.ts',
  'e2e/governanceGateway.test.ts',
  'e2e/agentMetrics.test.ts',
  'e2e/starterBlueprints.test.ts',
  // What lands in the sandbox and how the agent applies it: the blueprint's files, tabs and claude session, a spec
  // sent again or refused (the blueprint's rows are read the same way by the suites that stay).
  'e2e/workspaceSetup.test.ts',
  'e2e/workspaceSpec.test.ts',
  // The sandbox, its limits and egress; the tunnel, its versions and HTTP over it; the terminal.
  'e2e/egress.test.ts',
  'e2e/resourceLimits.test.ts',
  'e2e/runtimeState.test.ts',
  'e2e/tunnel.test.ts',
  'e2e/tunnelVersion.test.ts',
  'e2e/workspaceHttp.test.ts',
  'e2e/terminal.test.ts',
  'e2e/terminalSessions.test.ts',
  // Processes started from their entry points, on the embedded database whatever the pass: start-up, data dir, ports.
  'e2e/embedded.test.ts',
  'e2e/dataDirModes.test.ts',
  'e2e/unhandledRejection.test.ts',
  'e2e/portalPortInUse.test.ts',
  'packages/portal/src/db/dataDirLock.test.ts',
  // The portal's tests that open no database of the pass's engine: the same test twice.
  'packages/portal/src/backup/backupScheduler.test.ts',
  'packages/portal/src/backup/postgresTools.test.ts',
  'packages/portal/src/auth/oidc/claimsMapping.test.ts',
  'packages/portal/src/blueprints/terminalSessions.test.ts',
  'packages/portal/src/config.test.ts',
  'packages/portal/src/governance/packageRegistries.test.ts',
  'packages/portal/src/ipAllowlist/cidrs.test.ts',
  'packages/portal/src/logger.test.ts',
  'packages/portal/src/preview/previewCookies.test.ts',
  'packages/portal/src/requestId.test.ts',
  'packages/portal/src/scim/filter.test.ts',
  'packages/portal/src/secrets/secretBox.test.ts',
  'packages/portal/src/singleFlight.test.ts',
  'packages/portal/src/tunnel/heartbeatWatchdog.test.ts',
  'packages/portal/src/usage/usageCost.test.ts',
];

/**
 * The tests outside the portal and e2e touch no database of the portal's: they run once,
 * apart, two files at a time (one per core of CI's machine). They share no database, port or
 * data dir, and most of their time goes to loading and waiting, not computing. Measured
 * (2026-12, a 2-core machine another suite was loading too): 155 s one file at a time, 93 s
 * two at a time. The portal's and e2e tests stay one at a time: a TestStack each, real
 * ports, timings that contention would stretch.
 */
const otherPackages = ['packages/!(portal)/**'];
const portalAndE2e = ['packages/portal/**', 'e2e/**'];

/** Runs vitest; returns its counts from the JSON report. */
function vitest(label, env, paths) {
  log(`Tests on ${label}…`);
  const report = join(mkdtempSync(join(tmpdir(), 'paddock-vitest-')), 'report.json');
  const r = spawnSync(process.execPath, [
    join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...paths, ...filters,
    '--reporter=default', '--reporter=json', `--outputFile.json=${report}`,
  ], { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const counts = { passed: 0, failed: r.status === 0 ? 0 : 1, skipped: 0 };
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    counts.passed = json.numPassedTests;
    // A file that fails to load has no failed test of its own: count it once, so a red run never reads as green.
    const brokenFiles = json.numFailedTests === 0 && (json.numFailedTestSuites > 0 || r.status !== 0) ? Math.max(1, json.numFailedTestSuites) : 0;
    counts.failed = json.numFailedTests + brokenFiles;
    counts.skipped = json.numPendingTests + json.numTodoTests;
    rmSync(report, { force: true });
  }
  return counts;
}

/** A check as a promise, so that two run at once (each is one process on one core); what it printed is shown when it ends, not interleaved. */
function check(label, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => { output += c; });
    child.stderr.on('data', (c) => { output += c; });
    child.on('close', (code) => {
      log(`${label}: ${code === 0 ? 'passed' : 'failed'}`);
      if (output) process.stdout.write(output);
      resolve(code === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 });
    });
  });
}

/**
 * Before the tests, side by side (about 30 s each on CI's 2 cores): the lint, that is no floating
 * promises and time read only through the clock, in the portal, agent, CLI and protocol
 * (eslint.config.js says which files), since one rejected promise would end the process; and the
 * tests' own types (vitest runs them untyped): a test that doesn't compile tests something else
 * than it says.
 */
function lintAndTypecheckTests() {
  log('Lint (no floating promises, time only through the clock) and the tests\' type check, side by side…');
  return Promise.all([
    check('Lint', [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), 'packages/portal/src', 'packages/agent/src', 'packages/cli/src', 'packages/protocol/src']),
    check('The tests\' type check', [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.tests.json']),
  ]);
}

let pg;
const pgliteSnapshots = mkdtempSync(join(tmpdir(), 'paddock-pglite-snapshots-'));
let exitCode = 1;
try {
  ensureNodeModules();
  ensureTemplateModules();
  ensureDebianPackages({
    bwrap: 'bubblewrap', chromium: 'chromium',
    // Prometheus' own Python client parses what /metrics serves (e2e/harness/prometheusText.ts).
    '/usr/lib/python3/dist-packages/prometheus_client/parser.py': 'python3-prometheus-client',
    // The PostgreSQL pass backs up and restores with the client tools, also against a DATABASE_URL given.
    pg_dump: 'postgresql-client',
  });
  ensureBuilt();

  // The lint and the tests' type check cover whole packages: a run narrowed to some tests skips them,
  // and either half of the tests may have none of the tests it names.
  const narrowed = filters.length ? ['--passWithNoTests'] : [];
  const results = [
    ...(filters.length ? [] : await lintAndTypecheckTests()),
    vitest('the other packages, two files at a time', {}, [...narrowed, '--fileParallelism', '--maxWorkers=2', ...portalAndE2e.flatMap((g) => ['--exclude', g])]),
    // Its test databases start from one migrated copy, made by the first (testing/testDatabase.ts).
    vitest('PGlite', { PADDOCK_TEST_DB: 'pglite', PADDOCK_TEST_PGLITE_SNAPSHOTS: pgliteSnapshots }, [...narrowed, ...otherPackages.flatMap((g) => ['--exclude', g])]),
  ];

  let url = process.env.DATABASE_URL;
  if (!url) {
    pg = await startThrowawayPostgres();
    url = pg.url;
  }
  // Narrowed to some tests, the pass runs those of them that touch the database (vitest ORs its
  // path filters: listing the directories as well would run all of them).
  const postgresPaths = filters.length
    ? ['--passWithNoTests', ...otherPackages.flatMap((g) => ['--exclude', g])]
    : ['packages/portal', 'e2e'];
  results.push(vitest('PostgreSQL', { PADDOCK_TEST_DB: 'postgres', PADDOCK_TEST_PG_URL: url }, [...postgresPaths, ...postgresPassExcludes.flatMap((g) => ['--exclude', g])]));

  const total = results.reduce((a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed, skipped: a.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 });
  process.stdout.write(`\n${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}\n`);
  exitCode = total.failed === 0 && total.skipped === 0 && total.passed > 0 ? 0 : 1;
} catch (err) {
  process.stderr.write(`\n${err.message}\n`);
} finally {
  pg?.stop();
  rmSync(pgliteSnapshots, { recursive: true, force: true });
}
process.exit(exitCode);
