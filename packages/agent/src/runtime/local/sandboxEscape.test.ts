import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInWorkspace } from '../workspaceShell.js';
import { LocalRuntime } from './localRuntime.js';

// Everything here runs as the builder would: commands typed into a workspace terminal.
describe('a local workspace sandbox', () => {
  const root = mkdtempSync(join(tmpdir(), 'paddock-escape-'));
  const portalDataDir = join(root, 'portal-data');
  const agentDataDir = join(root, 'agent-data');
  const portalSecret = `portal-secret-${randomBytes(8).toString('hex')}`;
  const neighbourSecret = `neighbour-secret-${randomBytes(8).toString('hex')}`;
  const runtime = new LocalRuntime({ dataDir: agentDataDir });
  const probe = { workspaceId: 'probe', ownerId: 'mallory', blueprintId: 'b', env: {} };
  const neighbour = { workspaceId: 'neighbour', ownerId: 'alice', blueprintId: 'b', env: {} };
  let hostServer: Server;
  let hostPort = 0;
  let hostConnections = 0;

  const sh = (command: string) => runInWorkspace(runtime, probe.workspaceId, command, 15_000);

  beforeAll(async () => {
    // bwrap runs as the sandbox uid and must walk to the agent's data dir (searchable, not listable).
    chmodSync(root, 0o711);
    mkdirSync(portalDataDir, { mode: 0o755 });
    writeFileSync(join(portalDataDir, 'secret.txt'), portalSecret, { mode: 0o644 });
    await runtime.ensureRunning(neighbour);
    await runInWorkspace(runtime, neighbour.workspaceId, `echo ${neighbourSecret} > /workspace/secret.txt; chmod 644 /workspace/secret.txt`);
    await runtime.ensureRunning(probe);
    hostServer = createServer((socket) => {
      hostConnections++;
      socket.end('hello from the host\n');
    });
    await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', resolve));
    const address = hostServer.address();
    hostPort = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    if (hostServer) await new Promise((resolve) => hostServer.close(resolve));
    await runtime.ensureDeleted(probe.workspaceId);
    await runtime.ensureDeleted(neighbour.workspaceId);
    await runtime.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('runs as uid 1000 with no capabilities, in its own uts namespace', async () => {
    const { output } = await sh('id; grep -E "^Cap(Eff|Prm|Bnd)" /proc/self/status; hostname');
    expect(output).toMatch(/^uid=1000\(builder\) gid=1000\(builder\)/);
    expect(output).toMatch(/CapEff:\s+0000000000000000/);
    expect(output).toMatch(/CapPrm:\s+0000000000000000/);
    expect(output).toMatch(/CapBnd:\s+0000000000000000/);
    expect(output).toMatch(/\nworkspace\n$/);
  });

  it('cannot see the host shadow file', async () => {
    const result = await sh('cat /etc/shadow; ls -a /etc; cat /proc/1/root/etc/shadow');
    expect(result.output).not.toMatch(/root:[^:\n]*:\d+:/);
    expect(result.output).not.toMatch(/\bshadow\b(?!: No such)/);
    expect(result.output).toMatch(/cat: \/etc\/shadow: No such file or directory/);
  });

  it('cannot read the portal data dir by any path', async () => {
    const result = await sh(
      `cat ${portalDataDir}/secret.txt; ls ${root}; ` +
        `grep -rls --exclude-dir=proc --exclude-dir=sys --exclude-dir=usr -e ${portalSecret} / ; ` +
        `grep -ls -e ${portalSecret} /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | grep -v self; true`,
    );
    expect(result.output).toMatch(/No such file or directory/);
    // The command line we typed holds the secret, so only file hits (paths) would betray it.
    expect(result.output).not.toContain(`${portalSecret}\n`);
    expect(result.output).not.toMatch(/^\/(?!proc)/m);
  });

  it("cannot reach another workspace's files or processes", async () => {
    const neighbourDir = join(agentDataDir, 'workspaces', neighbour.workspaceId);
    const result = await sh(
      `cat ${neighbourDir}/workspace/secret.txt; ls ${agentDataDir}; ` +
        `grep -rls --exclude-dir=proc --exclude-dir=sys --exclude-dir=usr -e ${neighbourSecret} / ; ` +
        'echo pids:$(ls -d /proc/[0-9]* | wc -l)',
    );
    expect(result.output).toMatch(/No such file or directory/);
    expect(result.output).not.toMatch(/^\/(?!proc)/m);
    // Only this sandbox's init, daemon, its shell and the commands it runs are visible.
    const pids = Number(/pids:(\d+)/.exec(result.output)?.[1]);
    expect(pids).toBeLessThan(10);
  });

  it("cannot connect to the host's loopback", async () => {
    const result = await sh(
      `timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${hostPort} && head -1 <&3' && echo REACHED || echo BLOCKED; ` +
        `timeout 3 node -e "require('net').connect(${hostPort}, '127.0.0.1').on('connect', () => console.log('NODE-REACHED')).on('error', (e) => console.log('NODE-' + e.code))"`,
    );
    expect(result.output).toContain('BLOCKED');
    expect(result.output).not.toContain('hello from the host');
    expect(result.output).toContain('NODE-ECONNREFUSED');
    expect(hostConnections).toBe(0);
  });

  it('has no network but loopback, so outside addresses fail at once', async () => {
    const result = await sh(
      'timeout 5 bash -c "exec 3<>/dev/tcp/1.1.1.1/53"; echo exit:$?; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "',
    );
    // Refused by the kernel (no route), not left to time out: timeout(1) would exit 124.
    expect(result.output).toMatch(/exit:1\b/);
    expect(result.output.trim().split('\n').at(-1)).toBe('lo');
    expect(result.output).toMatch(/unreachable/i);
  });

  it('cannot win a race against the agent by swapping its daemon socket for a link while it connects', async () => {
    // A host socket the sandbox would love the agent to talk to (another workspace's daemon, say).
    const lure = join(root, 'lure.sock');
    let lured = 0;
    const lureServer = createServer((socket) => { lured++; socket.destroy(); });
    await new Promise<void>((resolve) => lureServer.listen(lure, resolve));
    const racer = { workspaceId: 'racer', ownerId: 'mallory', blueprintId: 'b', env: {} };
    await runtime.ensureRunning(racer);
    try {
      // Keep the real socket under a second name, then flip daemon.sock between it and a link, as fast as a shell can.
      await runInWorkspace(runtime, racer.workspaceId, [
        'cd /run/paddock && ln daemon.sock real.sock',
        `setsid nohup sh -c 'while true; do ln -sfn ${lure} l.tmp; mv -T l.tmp daemon.sock; ln -f real.sock r.tmp; mv -T r.tmp daemon.sock; done' >/dev/null 2>&1 & true`,
      ].join('; '));
      let reached = 0;
      for (let i = 0; i < 300; i++) {
        const socket = await runtime.connect(racer.workspaceId, { kind: 'daemon' }).catch(() => null);
        if (socket) { reached++; socket.destroy(); }
      }
      // Some connects meet the real socket; none may follow the link.
      expect(reached).toBeGreaterThan(0);
      expect(lured).toBe(0);
    } finally {
      await runtime.ensureDeleted(racer.workspaceId);
      await new Promise<void>((resolve) => lureServer.close(() => resolve()));
    }
  }, 60_000);

  it('cannot make the agent connect elsewhere by replacing its daemon socket', async () => {
    const hostile = { workspaceId: 'hostile', ownerId: 'mallory', blueprintId: 'b', env: {} };
    await runtime.ensureRunning(hostile);
    try {
      await runInWorkspace(runtime, hostile.workspaceId, 'rm /run/paddock/daemon.sock; ln -s /etc/passwd /run/paddock/daemon.sock');
      await expect(runtime.connect(hostile.workspaceId, { kind: 'daemon' })).rejects.toThrow(/no daemon socket/);
    } finally {
      await runtime.ensureDeleted(hostile.workspaceId);
    }
  });
});
