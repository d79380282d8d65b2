import { describe, expect, it } from 'vitest';
import { bwrapArgs, sandboxEtcFiles } from './bwrapArgs.js';

const args = bwrapArgs({
  fds: { info: 3, passwd: 4, group: 5, hosts: 6, profile: 7 },
  dirs: { workspace: '/data/ws/a/workspace', home: '/data/ws/a/home', run: '/data/ws/a/run' },
  codeMounts: [{ source: '/repo/packages/workspaced/dist', dest: '/opt/paddock/workspaced/dist' }],
  nodeBinary: '/usr/bin/node',
  daemonEntry: '/opt/paddock/workspaced/dist/main.js',
  tmpBytes: 64 * 1024 * 1024,
});

function pairsOf(flag: string): string[][] {
  const out: string[][] = [];
  args.forEach((arg, i) => {
    if (arg === flag) out.push(args.slice(i + 1, i + 3));
  });
  return out;
}

describe('bwrapArgs', () => {
  it('isolates every namespace, drops capabilities and stays independent of the agent process', () => {
    expect(args).toEqual(expect.arrayContaining(['--unshare-all', '--new-session']));
    // The environment is set at spawn, never on the command line (which any host user can read).
    expect(args).not.toContain('--setenv');
    expect(args.join(' ')).toContain('--cap-drop ALL');
    expect(args.join(' ')).toContain('--uid 1000 --gid 1000');
    expect(args).not.toContain('--die-with-parent');
    expect(args).not.toContain('--share-net');
  });

  it('binds only the workspace dirs writable and never the shadow file', () => {
    expect(pairsOf('--bind')).toEqual([
      ['/data/ws/a/workspace', '/workspace'],
      ['/data/ws/a/home', '/home/builder'],
      ['/data/ws/a/run', '/run/paddock'],
    ]);
    expect(args.some((arg) => arg.includes('shadow'))).toBe(false);
    expect(args.filter((arg) => arg.startsWith('/etc') && !['/etc/passwd', '/etc/group', '/etc/hosts', '/etc/profile.d/paddock.sh', '/etc'].includes(arg)).every((arg) => pairsOf('--ro-bind-try').some(([src]) => src === arg))).toBe(true);
  });

  it('refuses nested user namespaces and fails rather than run without that', () => {
    // --disable-userns needs a user namespace of bwrap's own; --assert-userns-disabled makes bwrap fail if it could not disable them.
    expect(args).toEqual(expect.arrayContaining(['--unshare-user', '--disable-userns', '--assert-userns-disabled']));
  });

  it('sizes /tmp: --size comes right before --tmpfs /tmp', () => {
    const at = args.indexOf('--tmpfs');
    expect(args.slice(at - 2, at + 2)).toEqual(['--size', String(64 * 1024 * 1024), '--tmpfs', '/tmp']);
  });

  it("makes login shells the kernel's first choice when memory runs out, not the daemon", () => {
    expect(pairsOf('--ro-bind-data')).toContainEqual(['7', '/etc/profile.d/paddock.sh']);
    expect(sandboxEtcFiles().profile).toMatch(/echo 500 > \/proc\/self\/oom_score_adj/);
  });

  it('ends with the daemon command after the option terminator', () => {
    expect(args.slice(-3)).toEqual(['--', '/usr/bin/node', '/opt/paddock/workspaced/dist/main.js']);
  });

  it('names uid 1000 builder in the generated passwd', () => {
    expect(sandboxEtcFiles().passwd).toContain('builder:x:1000:1000:builder:/home/builder:/bin/bash');
  });
});
