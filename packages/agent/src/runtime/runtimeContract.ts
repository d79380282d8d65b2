import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_ID, startModelSim, type ModelSim, type SeenRequest } from '@paddock/model-sim';
import { BridgeKeys } from '../bridges/bridgeKeys.js';
import { LlmBridge } from '../bridges/llmBridge.js';
import type { LlmRoute } from '@paddock/protocol';
import { LlmGateway } from '../gateway/llm/llmGateway.js';
import { Workspaces } from '../workspaces/workspaces.js';
import type { AcceptConnection, RuntimeDriver, WorkspaceAddress, WorkspaceRunSpec } from './driver.js';
import { runInWorkspace, startDetached } from './workspaceShell.js';

/**
 * Tests a driver may leave out, and the only reason each may be: a driver
 * lists the ones it skips in its setup, and they are not registered for it.
 */
export const skippableContractTests = {
  'tmp-size': "/tmp shows the spec's size only where /tmp is a filesystem of that size (the local runtime's tmpfs); "
    + "a pod's memory-backed emptyDir is held to its limit by eviction, and df shows the node's memory",
} as const;
export type SkippableContractTest = keyof typeof skippableContractTests;

export interface RuntimeContractSetup {
  /**
   * A fresh driver instance over the same backing store each time it is
   * called: that is how the suite plays an agent restart.
   */
  makeDriver(): RuntimeDriver;
  /**
   * Every command line anyone on the runtime's hosts can read: the host's
   * processes for the local runtime, a pod's command and args for Kubernetes.
   */
  commandLines(): Promise<string[]>;
  /** Called after the suite, once every workspace it made is deleted. */
  cleanup?(): Promise<void>;
  /** What this driver leaves out (see skippableContractTests). */
  skip?: SkippableContractTest[];
}

/** A shell command that calls an exposed socket's HTTP at `address` from inside the workspace and prints the answer, then `rc=<curl's exit code>`. */
function callInside(address: WorkspaceAddress): string {
  switch (address.kind) {
    case 'unix': return `curl -s --max-time 10 --unix-socket '${address.path}' http://bridge/; echo " rc=$?"`;
  }
}

/** An exposed socket's listener, agent-side: HTTP answering `text` on every connection it is handed. */
function answering(text: string): AcceptConnection {
  const server = createHttpServer((_req, res) => res.end(text));
  return (socket) => server.emit('connection', socket);
}

/** Waits, inside the workspace, until `path` has content, and prints it (or nothing after 30 s). */
const whenWritten = (path: string) => `for i in $(seq 1 300); do [ -s ${path} ] && break; sleep 0.1; done; cat ${path}`;

/**
 * The behaviour every RuntimeDriver owes the agent: the whole of driver.ts,
 * with the agent's own bridges on top where the spec runs through them (the
 * model route). A second driver runs it unchanged; what differs lives behind
 * `setup`.
 */
export function runtimeContractSuite(name: string, setup: RuntimeContractSetup): void {
  const skipped = new Set(setup.skip ?? []);
  /** it(), unless the driver skips the test (only those in skippableContractTests can be). */
  const itUnlessSkipped = (test: SkippableContractTest, title: string, fn: () => Promise<void>) => {
    if (!skipped.has(test)) it(title, fn);
  };

  describe(`${name} runtime contract`, () => {
    const driver = setup.makeDriver();
    const made = new Set<string>();
    // What the agent keeps beside any runtime: its bridges' keys.
    const agentDir = mkdtempSync(join(tmpdir(), 'paddock-contract-agent-'));

    function spec(extra: Partial<Omit<WorkspaceRunSpec, 'workspaceId'>> = {}): WorkspaceRunSpec {
      const workspaceId = `ct-${randomUUID().slice(0, 8)}`;
      made.add(workspaceId);
      return { workspaceId, ownerId: 'owner-1', blueprintId: 'blueprint-1', env: {}, ...extra };
    }

    afterAll(async () => {
      for (const id of made) await driver.ensureDeleted(id);
      await driver.close();
      rmSync(agentDir, { recursive: true, force: true });
      await setup.cleanup?.();
    });

    describe('state', () => {
      it('reports an unknown workspace as missing', async () => {
        expect(await driver.status('ct-never-made')).toBe('missing');
        expect((await driver.list()).map((w) => w.workspaceId)).not.toContain('ct-never-made');
      });

      it('is starting while it is created, running once that resolves, then stopped, and missing once deleted', async () => {
        const s = spec();
        const starting = driver.ensureRunning(s);
        expect(await driver.status(s.workspaceId)).toBe('starting');
        expect(await starting).toBe('started');
        expect(await driver.status(s.workspaceId)).toBe('running');
        expect(await driver.list()).toContainEqual({ workspaceId: s.workspaceId, state: 'running' });
        await driver.ensureStopped(s.workspaceId);
        expect(await driver.status(s.workspaceId)).toBe('stopped');
        expect(await driver.list()).toContainEqual({ workspaceId: s.workspaceId, state: 'stopped' });
        await driver.ensureDeleted(s.workspaceId);
        expect(await driver.status(s.workspaceId)).toBe('missing');
      });

      it('starts a workspace idempotently, also under concurrent calls', async () => {
        const s = spec();
        const outcomes = await Promise.all([driver.ensureRunning(s), driver.ensureRunning(s)]);
        expect(outcomes.sort()).toEqual(['running', 'started']);
        expect(await driver.ensureRunning(s)).toBe('running');
        expect(await driver.status(s.workspaceId)).toBe('running');
        expect(await driver.list()).toContainEqual({ workspaceId: s.workspaceId, state: 'running' });
      });

      it('asks beforeStart only when it creates the workspace, and runs it with that environment', async () => {
        const s = spec({ env: { FROM_SPEC: 'spec' } });
        let asked = 0;
        const hooks = { beforeStart: async () => ({ FROM_AGENT: `agent-${++asked}` }) };
        expect(await driver.ensureRunning(s, hooks)).toBe('started');
        expect(await driver.ensureRunning(s, hooks)).toBe('running');
        expect(asked).toBe(1);
        expect((await runInWorkspace(driver, s.workspaceId, 'echo $FROM_SPEC $FROM_AGENT')).output).toBe('spec agent-1\n');
        await driver.ensureStopped(s.workspaceId);
        expect(await driver.ensureRunning(s, hooks)).toBe('started');
        expect((await runInWorkspace(driver, s.workspaceId, 'echo $FROM_AGENT')).output).toBe('agent-2\n');
      });

      it('is failed, saying why, when its start fails (also to a new driver instance), until it is started again', async () => {
        const s = spec();
        const refused = { beforeStart: () => Promise.reject(new Error('the agent could not serve it')) };
        await expect(driver.ensureRunning(s, refused)).rejects.toThrow(/the agent could not serve it/);
        expect(await driver.status(s.workspaceId)).toBe('failed');
        await expect(driver.connect(s.workspaceId, { kind: 'daemon' })).rejects.toThrow();
        const failed = { workspaceId: s.workspaceId, state: 'failed', message: expect.stringContaining('the agent could not serve it') };
        expect(await driver.list()).toContainEqual(failed);
        const restarted = setup.makeDriver();
        try {
          expect(await restarted.status(s.workspaceId)).toBe('failed');
          expect(await restarted.list()).toContainEqual(failed);
        } finally {
          await restarted.close();
        }
        expect(await driver.ensureRunning(s)).toBe('started');
        expect(await driver.list()).toContainEqual({ workspaceId: s.workspaceId, state: 'running' });
        // Stopping clears a failure too.
        await driver.ensureStopped(s.workspaceId);
        await expect(driver.ensureRunning(s, refused)).rejects.toThrow();
        await driver.ensureStopped(s.workspaceId);
        expect(await driver.status(s.workspaceId)).toBe('stopped');
      });

      it('is found running by a new driver instance (an agent restart)', async () => {
        const s = spec();
        await driver.ensureRunning(s);
        await runInWorkspace(driver, s.workspaceId, 'echo survived > /workspace/mark');
        const restarted = setup.makeDriver();
        try {
          expect(await restarted.status(s.workspaceId)).toBe('running');
          expect(await restarted.list()).toContainEqual({ workspaceId: s.workspaceId, state: 'running' });
          const result = await runInWorkspace(restarted, s.workspaceId, 'cat /workspace/mark');
          expect(result.output).toBe('survived\n');
          await restarted.ensureStopped(s.workspaceId);
          expect(await driver.status(s.workspaceId)).toBe('stopped');
        } finally {
          await restarted.close();
        }
      });
    });

    describe('files and processes', () => {
      it('runs a command through a terminal on the daemon connection, with the spec env', async () => {
        const s = spec({ env: { GREETING: 'hello-from-spec' } });
        await driver.ensureRunning(s);
        const result = await runInWorkspace(driver, s.workspaceId, 'echo $((6*7)) $GREETING; pwd');
        expect(result).toEqual({ output: '42 hello-from-spec\n/workspace\n', code: 0 });
      });

      it('keeps files across stop and start, and stops idempotently', async () => {
        const s = spec();
        await driver.ensureRunning(s);
        await runInWorkspace(driver, s.workspaceId, 'echo kept > /workspace/note.txt; echo home > ~/h.txt');
        await driver.ensureStopped(s.workspaceId);
        await driver.ensureStopped(s.workspaceId);
        expect(await driver.status(s.workspaceId)).toBe('stopped');
        await expect(driver.connect(s.workspaceId, { kind: 'daemon' })).rejects.toThrow();
        await driver.ensureRunning(s);
        const result = await runInWorkspace(driver, s.workspaceId, 'cat /workspace/note.txt ~/h.txt');
        expect(result.output).toBe('kept\nhome\n');
      });

      it("gives the agent its files' directory on this host (what a publish snapshot reads), running or stopped, and none for a workspace it doesn't hold", async () => {
        const s = spec();
        await driver.ensureRunning(s);
        await runInWorkspace(driver, s.workspaceId, 'echo snap > /workspace/snap.txt');
        expect(readFileSync(join(await driver.filesDir(s.workspaceId), 'snap.txt'), 'utf8')).toBe('snap\n');
        await driver.ensureStopped(s.workspaceId);
        expect(readFileSync(join(await driver.filesDir(s.workspaceId), 'snap.txt'), 'utf8')).toBe('snap\n');
        await expect(driver.filesDir(`ct-${randomUUID().slice(0, 8)}`)).rejects.toThrow(/not on this agent/);
      });

      it('ends every process of the workspace on stop', async () => {
        const s = spec();
        await driver.ensureRunning(s);
        await runInWorkspace(driver, s.workspaceId, startDetached('sleep 1000'));
        const count = 'cat /proc/[0-9]*/cmdline | tr "\\0" " " | grep -c "slee[p] 1000"';
        expect(Number((await runInWorkspace(driver, s.workspaceId, count)).output.trim())).toBeGreaterThanOrEqual(1);
        await driver.ensureStopped(s.workspaceId);
        await driver.ensureRunning(s);
        expect((await runInWorkspace(driver, s.workspaceId, count)).output.trim()).toBe('0');
      });

      it('removes the workspace and its files on delete', async () => {
        const s = spec();
        await driver.ensureRunning(s);
        await runInWorkspace(driver, s.workspaceId, 'echo gone > /workspace/file');
        await driver.ensureDeleted(s.workspaceId);
        await driver.ensureDeleted(s.workspaceId);
        expect(await driver.status(s.workspaceId)).toBe('missing');
        expect((await driver.list()).map((w) => w.workspaceId)).not.toContain(s.workspaceId);
        await driver.ensureRunning(s);
        const result = await runInWorkspace(driver, s.workspaceId, 'ls -A /workspace | wc -l');
        expect(result.output.trim()).toBe('0');
      });

      it('refuses a port nothing listens on, saying which, and serves one something listens on', async () => {
        const s = spec();
        await driver.ensureRunning(s);
        await expect(driver.connect(s.workspaceId, { kind: 'port', port: 3000 })).rejects.toThrow(/port 3000/);
        const script = 'echo "require(\\"net\\").createServer((s) => s.end(\\"served-by-3001\\")).listen(3001, \\"127.0.0.1\\")" > /tmp/serve.js';
        // 3001 is 0BB9: listening once /proc/net/tcp has it.
        await runInWorkspace(driver, s.workspaceId, `${script}; ${startDetached('node /tmp/serve.js')}; until grep -q ':0BB9 ' /proc/net/tcp; do sleep 0.05; done`);
        const stream = await driver.connect(s.workspaceId, { kind: 'port', port: 3001 });
        let answer = '';
        for await (const chunk of stream) answer += String(chunk);
        expect(answer).toBe('served-by-3001');
      });
    });

    describe('the spec', () => {
      it('starts with the limits of its spec and reports them while it runs', async () => {
        const s = spec({ resources: { cpus: 1, memoryMiB: 512, processes: 256, tmpMiB: 64, diskMiB: 1024 } });
        await driver.ensureRunning(s);
        const usage = await driver.usage(s.workspaceId);
        expect(usage).toMatchObject({ limits: s.resources, mechanism: driver.resourceControl().mechanism, oomKills: 0, processLimitHits: 0 });
        await driver.ensureStopped(s.workspaceId);
        expect(await driver.usage(s.workspaceId)).toBeUndefined();
      });

      itUnlessSkipped('tmp-size', "sizes /tmp by the spec's limit", async () => {
        const s = spec({ resources: { cpus: 1, memoryMiB: 512, processes: 256, tmpMiB: 64, diskMiB: 1024 } });
        await driver.ensureRunning(s);
        expect((await runInWorkspace(driver, s.workspaceId, 'df -m --output=size /tmp | tail -1')).output.trim()).toBe('64');
      });

      it('writes the agent instructions of its spec into AGENTS.md and CLAUDE.md', async () => {
        const s = spec({ agentInstructions: 'Answer in haiku.\nThe sales database is read-only.' });
        await driver.ensureRunning(s);
        const files = await runInWorkspace(driver, s.workspaceId, 'cat /workspace/AGENTS.md; echo ====; cat /workspace/CLAUDE.md');
        const [agents, claude] = files.output.split('====\n');
        for (const file of [agents, claude]) expect(file).toContain('Answer in haiku.\nThe sales database is read-only.');
      });

      it('defines the sessions of its spec: one to start runs at boot, one not to start waits', async () => {
        const s = spec({
          sessions: [
            { name: 'cmd-boot', command: 'echo started-at-boot > /tmp/boot.part; mv /tmp/boot.part /tmp/boot; sleep 1000', start: true },
            { name: 'cmd-later', command: 'echo started > /tmp/later; sleep 1000', start: false },
          ],
        });
        await driver.ensureRunning(s);
        expect((await runInWorkspace(driver, s.workspaceId, whenWritten('/tmp/boot'), 40_000)).output).toBe('started-at-boot\n');
        expect((await runInWorkspace(driver, s.workspaceId, 'ls /tmp/later 2>/dev/null; echo listed')).output).toBe('listed\n');
      });

      it('keeps the spec env off every command line', async () => {
        const secret = `secret-${randomBytes(12).toString('hex')}`;
        const s = spec({ env: { DATABASE_PASSWORD: secret } });
        await driver.ensureRunning(s, { beforeStart: async () => ({ AGENT_TOKEN: `${secret}-agent` }) });
        expect((await runInWorkspace(driver, s.workspaceId, 'echo "$DATABASE_PASSWORD $AGENT_TOKEN"')).output).toBe(`${secret} ${secret}-agent\n`);
        // Inside: no process shows it in its arguments (the bracket keeps grep's own from matching).
        const pattern = `[${secret[0]}]${secret.slice(1)}`;
        const inside = await runInWorkspace(driver, s.workspaceId, `cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " " | grep -c "${pattern}"`);
        expect(inside.output.trim()).toBe('0');
        // Outside: the runtime's own command lines (which do name the workspace) don't either.
        const lines = await setup.commandLines();
        expect(lines.some((line) => line.includes(s.workspaceId))).toBe(true);
        expect(lines.filter((line) => line.includes(secret))).toEqual([]);
      });
    });

    describe('isolation', () => {
      it("reaches nothing of the agent's host: no address of it answers from inside", async () => {
        const s = spec();
        await driver.ensureRunning(s);
        let connections = 0;
        const listener = createTcpServer((socket) => {
          connections++;
          socket.end('reached the agent host\n');
        });
        await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
        try {
          const port = (listener.address() as AddressInfo).port;
          const addresses = ['127.0.0.1', ...Object.values(networkInterfaces()).flat().flatMap((a) => (a && a.family === 'IPv4' ? [a.address] : []))];
          const probes = [...new Set(addresses)].map((address) => `curl -s --max-time 5 http://${address}:${port}/ >/dev/null; echo "${address} rc=$?"`);
          const result = await runInWorkspace(driver, s.workspaceId, probes.join('; '), 60_000);
          // 7: could not connect; 28: timed out. Never 0 or 52 (an answer that isn't HTTP: the listener was reached).
          for (const line of result.output.trim().split('\n')) expect(line).toMatch(/ rc=(7|28)$/);
          expect(connections).toBe(0);
        } finally {
          await new Promise((resolve) => listener.close(resolve));
        }
      });

      it("sees nothing of another workspace's files", async () => {
        const marker = `neighbour-${randomBytes(8).toString('hex')}`;
        const [a, b] = [spec(), spec()];
        await Promise.all([driver.ensureRunning(a), driver.ensureRunning(b)]);
        await runInWorkspace(driver, a.workspaceId, `echo ${marker} > /workspace/secret.txt; echo ${marker} > ~/secret.txt; chmod 644 /workspace/secret.txt ~/secret.txt`);
        const search = `grep -rlsF ${marker} /workspace /home /tmp /run; echo found=$?`;
        // The probe finds what is there...
        const own = (await runInWorkspace(driver, a.workspaceId, search, 60_000)).output;
        for (const path of ['/workspace/secret.txt', '/home/builder/secret.txt']) expect(own).toContain(`${path}\n`);
        // ...and in the other workspace nothing (1: no match; 2: and some entries, sockets, were unreadable).
        expect((await runInWorkspace(driver, b.workspaceId, search, 60_000)).output).toMatch(/^found=[12]\n$/);
      });
    });

    describe('exposed sockets', () => {
      it('makes an agent-side listener reachable inside the workspace by name, from its first moment', async () => {
        const s = spec();
        // Exposed before the workspace exists: a session that runs at its boot already reaches it.
        const address = await driver.exposeSocket(s.workspaceId, 'probe', answering(`agent side of ${s.workspaceId}`));
        s.sessions = [{ name: 'cmd-boot', command: `{ ${callInside(address)}; } > /tmp/boot.part; mv /tmp/boot.part /tmp/boot`, start: true }];
        await driver.ensureRunning(s);
        expect((await runInWorkspace(driver, s.workspaceId, whenWritten('/tmp/boot'), 40_000)).output).toBe(`agent side of ${s.workspaceId} rc=0\n`);
        expect((await runInWorkspace(driver, s.workspaceId, callInside(address))).output).toBe(`agent side of ${s.workspaceId} rc=0\n`);
      });

      it('takes a new listener when exposed again, is unreachable once closed or stopped, and can be exposed again', async () => {
        const s = spec();
        await driver.ensureRunning(s);
        const first = await driver.exposeSocket(s.workspaceId, 'probe', answering('first'));
        expect((await runInWorkspace(driver, s.workspaceId, callInside(first))).output).toBe('first rc=0\n');
        expect(await driver.exposeSocket(s.workspaceId, 'probe', answering('second'))).toEqual(first);
        expect((await runInWorkspace(driver, s.workspaceId, callInside(first))).output).toBe('second rc=0\n');
        await driver.closeSocket(s.workspaceId, 'probe');
        await driver.closeSocket(s.workspaceId, 'probe');
        expect((await runInWorkspace(driver, s.workspaceId, callInside(first))).output).toMatch(/^ rc=(7|28)\n$/);
        await driver.exposeSocket(s.workspaceId, 'probe', answering('third'));
        expect((await runInWorkspace(driver, s.workspaceId, callInside(first))).output).toBe('third rc=0\n');
        await driver.ensureStopped(s.workspaceId);
        await driver.ensureRunning(s);
        expect((await runInWorkspace(driver, s.workspaceId, callInside(first))).output).toMatch(/^ rc=(7|28)\n$/);
        await expect(driver.exposeSocket(s.workspaceId, '../daemon', answering('no'))).rejects.toThrow(/invalid socket name/);
      });

      it("can't be replaced or removed from inside", async () => {
        const s = spec();
        await driver.ensureRunning(s);
        const address = await driver.exposeSocket(s.workspaceId, 'probe', answering('still the agent'));
        const attack = `rm -f '${address.path}'; ln -sf /etc/passwd '${address.path}'; touch "$(dirname '${address.path}')/planted"`;
        await runInWorkspace(driver, s.workspaceId, `${attack} 2>/dev/null; true`);
        expect((await runInWorkspace(driver, s.workspaceId, callInside(address))).output).toBe('still the agent rc=0\n');
        expect((await runInWorkspace(driver, s.workspaceId, `ls "$(dirname '${address.path}')/planted" 2>/dev/null; echo looked`)).output).toBe('looked\n');
      });

      it('is reachable from its own workspace only', async () => {
        const [a, b] = [spec(), spec()];
        await Promise.all([driver.ensureRunning(a), driver.ensureRunning(b)]);
        const inA = await driver.exposeSocket(a.workspaceId, 'probe', answering('for a'));
        expect((await runInWorkspace(driver, b.workspaceId, callInside(inA))).output).toMatch(/^ rc=(7|28)\n$/);
        const inB = await driver.exposeSocket(b.workspaceId, 'probe', answering('for b'));
        expect((await runInWorkspace(driver, b.workspaceId, `${callInside(inA)}; ${callInside(inB)}`)).output).not.toContain('for a');
        expect((await runInWorkspace(driver, a.workspaceId, callInside(inA))).output).toBe('for a rc=0\n');
      });
    });

    describe("the model route, through the agent's bridge", () => {
      let sim: ModelSim;
      const seen: SeenRequest[] = [];
      // Never typed into the workspace: searched for by its random part (a pattern must not start with '-').
      const providerSecret = randomBytes(12).toString('hex');
      const providerKey = `sk-ant-contract-${providerSecret}`;
      const route = (): LlmRoute => ({ upstreamBaseUrl: sim.url, upstreamApiKey: providerKey, model: DEMO_MODEL_ID });
      /** The agent's workspaces over a driver instance, with the model bridge, as the agent builds them. */
      const agentOver = (runtime: RuntimeDriver) => {
        const keys = new BridgeKeys(agentDir);
        return new Workspaces(runtime, [new LlmBridge(new LlmGateway(), keys)], keys);
      };
      const modelCall = [
        'curl -s --max-time 15 -o /dev/null -w "%{http_code}\\n" -H "x-api-key: $ANTHROPIC_API_KEY" -H "content-type: application/json"',
        `-d '{"model":"${DEMO_MODEL_ID}","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}' "$ANTHROPIC_BASE_URL/v1/messages"`,
      ].join(' ');

      beforeAll(async () => { sim = await startModelSim({ onRequest: (r) => seen.push(r) }); });
      afterAll(async () => { await sim.close(); });

      it('reaches the model with the provider key, while the workspace holds only its virtual key', async () => {
        const s = spec();
        const agent = agentOver(driver);
        await agent.ensureRunning({ ...s, llm: route() });
        const before = seen.length;
        expect((await runInWorkspace(driver, s.workspaceId, modelCall, 30_000)).output).toBe('200\n');
        expect(seen.slice(before).filter((r) => r.path === '/v1/messages').map((r) => r.headers['x-api-key'])).toEqual([providerKey]);
        const env = await runInWorkspace(driver, s.workspaceId, 'env | grep -E "^ANTHROPIC_(API_KEY|BASE_URL)=" | sort');
        expect(env.output).toMatch(/^ANTHROPIC_API_KEY=pdk-vk-[0-9a-f]{48}\nANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:\d+\n$/);
        // The same search finds what is there: the virtual key, in the environment.
        expect((await runInWorkspace(driver, s.workspaceId, 'grep -rlsF pdk-vk- /proc/self/environ')).output).toBe('/proc/self/environ\n');
        const search = await runInWorkspace(driver, s.workspaceId, `grep -rlsF "${providerSecret}" /workspace /home /tmp /run /proc/[0-9]*/environ /proc/[0-9]*/cmdline; echo found=$?`, 60_000);
        expect(search.output.trim()).toMatch(/^found=[12]$/);
        // Without a route the workspace gets none: no key, no bridge.
        const none = spec();
        await agent.ensureRunning(none);
        expect((await runInWorkspace(driver, none.workspaceId, 'echo "[$ANTHROPIC_API_KEY]"')).output).toBe('[]\n');
      });

      it('is served again, with the key the workspace holds, when a new agent is sent the spec', async () => {
        const s = spec();
        const first = agentOver(setup.makeDriver());
        await first.ensureRunning({ ...s, llm: route() });
        const key = (await runInWorkspace(driver, s.workspaceId, 'echo "$ANTHROPIC_API_KEY"')).output;
        expect((await runInWorkspace(driver, s.workspaceId, modelCall, 30_000)).output).toBe('200\n');
        // The agent ends: its bridges with it; the workspace runs on and its tools are told the model is away.
        await first.close();
        expect((await runInWorkspace(driver, s.workspaceId, modelCall, 30_000)).output).toBe('503\n');
        const next = agentOver(setup.makeDriver());
        try {
          await next.ensureRunning({ ...s, llm: route() });
          expect((await runInWorkspace(driver, s.workspaceId, modelCall, 30_000)).output).toBe('200\n');
          expect((await runInWorkspace(driver, s.workspaceId, 'echo "$ANTHROPIC_API_KEY"')).output).toBe(key);
        } finally {
          await next.close();
        }
      });
    });
  });
}
