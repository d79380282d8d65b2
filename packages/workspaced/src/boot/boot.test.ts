import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDaemon, type Daemon } from '../createDaemon.js';
import { TerminalClient } from '../testing/terminalClient.js';
import { isUnedited, writeAgentInstructions } from './agentInstructions.js';
import { seedClaudeConfig } from './claudeConfig.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'workspaced-boot-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('AGENTS.md and CLAUDE.md from the blueprint', () => {
  it('writes both when missing, rewrites them while unedited, and keeps a builder edit', () => {
    expect(writeAgentInstructions(dir, 'Be kind.')).toEqual(['AGENTS.md', 'CLAUDE.md']);
    const first = readFileSync(join(dir, 'AGENTS.md'), 'utf8');
    expect(first).toContain('Be kind.');
    expect(isUnedited(first)).toBe(true);
    expect(readFileSync(join(dir, 'CLAUDE.md'), 'utf8')).toBe(first);

    // The blueprint changed: unedited files follow it.
    writeAgentInstructions(dir, 'Be brief.');
    expect(readFileSync(join(dir, 'AGENTS.md'), 'utf8')).toContain('Be brief.');

    // The builder edited CLAUDE.md (marker left in place): it is theirs now.
    const edited = `${readFileSync(join(dir, 'CLAUDE.md'), 'utf8')}\nMy own rule.\n`;
    writeFileSync(join(dir, 'CLAUDE.md'), edited);
    expect(writeAgentInstructions(dir, 'Be loud.')).toEqual(['AGENTS.md']);
    expect(readFileSync(join(dir, 'CLAUDE.md'), 'utf8')).toBe(edited);

    // A file that was never ours is never touched.
    writeFileSync(join(dir, 'AGENTS.md'), 'handwritten');
    expect(writeAgentInstructions(dir, 'Be quiet.')).toEqual([]);
    expect(readFileSync(join(dir, 'AGENTS.md'), 'utf8')).toBe('handwritten');
  });

  it('writes nothing when the blueprint has no instructions', () => {
    expect(writeAgentInstructions(dir, '  ')).toEqual([]);
  });
});

describe("Claude Code's first-run answers", () => {
  it('seeds onboarding, the key approval (last 20 characters) and folder trust, keeping existing answers', () => {
    writeFileSync(join(dir, '.claude.json'), JSON.stringify({ theme: 'light', projects: { '/workspace': { allowedTools: ['x'] } } }));
    const key = 'pdk-vk-0123456789abcdef0123456789abcdef';
    expect(seedClaudeConfig({ home: dir, workspaceDir: '/workspace', apiKey: key })).toBe(true);
    const config = JSON.parse(readFileSync(join(dir, '.claude.json'), 'utf8'));
    expect(config).toMatchObject({
      theme: 'light', hasCompletedOnboarding: true,
      customApiKeyResponses: { approved: [key.slice(-20)] },
      projects: { '/workspace': { allowedTools: ['x'], hasTrustDialogAccepted: true } },
    });
  });

  it('leaves a file it cannot parse alone', () => {
    writeFileSync(join(dir, '.claude.json'), '{not json');
    expect(seedClaudeConfig({ home: dir, workspaceDir: '/workspace', apiKey: 'k' })).toBe(false);
    expect(readFileSync(join(dir, '.claude.json'), 'utf8')).toBe('{not json');
  });
});

describe('sessions that run a command', () => {
  let daemon: Daemon | undefined;
  const clients: TerminalClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.terminate();
    await daemon?.close();
    daemon = undefined;
  });
  const socketPath = () => join(dir, 'daemon.sock');
  const start = async (boot?: Parameters<typeof createDaemon>[0]['boot']) => {
    daemon = await createDaemon({
      socketPath: socketPath(), workspaceDir: dir,
      shell: { file: '/bin/bash', args: ['--norc', '--noprofile'] },
      commandShell: (command) => ({ file: '/bin/bash', args: ['--norc', '--noprofile', '-c', command] }),
      env: { PATH: '/usr/bin:/bin', PS1: '$ ', HOME: dir },
      ...(boot ? { boot } : {}),
    });
  };
  const attach = async (name: string) => {
    const c = await TerminalClient.open(`ws+unix://${socketPath()}:/v1/sessions/${name}/attach`);
    clients.push(c);
    return c;
  };
  const post = (path: string, body: unknown) => new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = request({ socketPath: socketPath(), method: 'POST', path, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
  const sessionNames = async () => {
    const res = await fetchJson('/v1/sessions');
    return (res.sessions as Array<{ name: string }>).map((s) => s.name);
  };
  const fetchJson = (path: string) => new Promise<any>((resolve, reject) => {
    request({ socketPath: socketPath(), path }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject).end();
  });

  it('starts boot sessions at once, defines lazy ones, and writes AGENTS.md', async () => {
    await start({
      agentInstructions: 'Use the data in data.json.',
      sessions: [
        { name: 'cmd-server', command: 'echo server-$((40+2)); sleep 30', start: true },
        { name: 'claude', command: 'echo lazy-$((1+1)); sleep 30', start: false },
      ],
    });
    expect(await sessionNames()).toEqual(['cmd-server']);
    expect(readFileSync(join(dir, 'AGENTS.md'), 'utf8')).toContain('Use the data in data.json.');
    expect(JSON.parse(readFileSync(join(dir, '.claude.json'), 'utf8')).hasCompletedOnboarding).toBe(true);

    const server = await attach('cmd-server');
    await server.waitFor('server-42');
    const lazy = await attach('claude');
    await lazy.waitFor('lazy-2');
  });

  it('POST /v1/sessions/:name runs a command, is idempotent, and re-runs it after it exits', async () => {
    await start();
    const created = await post('/v1/sessions/cmd-once', { command: 'echo ran-$((3*3))' });
    expect(created.status).toBe(201);
    const client = await attach('cmd-once');
    await client.waitFor('ran-9');
    // It exited; attaching again runs the command again rather than a shell.
    await client.closed;
    const again = await attach('cmd-once');
    await again.waitFor('ran-9');

    const long = await post('/v1/sessions/cmd-long', { command: 'sleep 30' });
    expect(long.status).toBe(201);
    expect((await post('/v1/sessions/cmd-long', { command: 'sleep 30' })).status).toBe(200);
    expect((await post('/v1/sessions/cmd-long', {})).status).toBe(400);
    expect((await post('/v1/sessions/bad%20name', { command: 'true' })).status).toBe(400);
  });
});
