import { existsSync } from 'node:fs';
import type { ReadOnlyMount } from './daemonMounts.js';

export const sandboxUidInside = 1000;
export const sandboxHome = '/home/builder';
export const sandboxRunDir = '/run/paddock';
export const sandboxWorkspaceDir = '/workspace';

/** File descriptors (in the bwrap child) that carry per-workspace inputs. */
export interface BwrapFds {
  info: number;
  passwd: number;
  group: number;
  hosts: number;
  /** /etc/profile.d/paddock.sh, read by every login shell. */
  profile: number;
}

/** Host directories of one workspace, bound read-write into its sandbox. */
export interface WorkspaceDirs {
  workspace: string;
  home: string;
  run: string;
}

export interface BwrapArgsInput {
  fds: BwrapFds;
  dirs: WorkspaceDirs;
  codeMounts: ReadOnlyMount[];
  nodeBinary: string;
  daemonEntry: string;
  /** Size of /tmp (a tmpfs: its pages count against the workspace's memory limit). */
  tmpBytes: number;
}

// Host files a shell and common tools expect; everything else of /etc stays hidden (never shadow).
const etcFiles = [
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/alternatives',
  '/etc/ssl/certs',
  '/etc/ca-certificates.conf',
  '/etc/localtime',
  '/etc/nsswitch.conf',
  '/etc/profile',
  '/etc/bash.bashrc',
  '/etc/inputrc',
];

/**
 * The bubblewrap command line for one workspace. Every namespace is new (no
 * network but loopback), no capabilities, uid 1000 inside; the host shows
 * through only as read-only /usr, a curated /etc, the daemon's code and the
 * workspace's own three directories. (bwrap 0.8's --bind-fd resolves the fd
 * back to a path, so it would not spare the sandbox user path traversal.)
 */
export function bwrapArgs(input: BwrapArgsInput): string[] {
  const { fds } = input;
  const args = [
    '--unshare-all',
    // No user namespaces inside (unshare -U, -Ur): each is a new set of capabilities over its own
    // namespaces, a large kernel surface. bwrap needs a user namespace of its own to forbid them,
    // and --assert-userns-disabled makes it fail rather than run a sandbox where that didn't hold.
    '--unshare-user', '--disable-userns', '--assert-userns-disabled',
    '--hostname', 'workspace',
    '--uid', String(sandboxUidInside),
    '--gid', String(sandboxUidInside),
    '--cap-drop', 'ALL',
    '--new-session',
    '--info-fd', String(fds.info),
    '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/bin', '/bin',
    '--symlink', 'usr/sbin', '/sbin',
    '--symlink', 'usr/lib', '/lib',
  ];
  if (existsSync('/usr/lib64')) args.push('--symlink', 'usr/lib64', '/lib64');
  args.push('--proc', '/proc', '--dev', '/dev', '--size', String(input.tmpBytes), '--tmpfs', '/tmp', '--dir', '/etc');
  for (const file of etcFiles) args.push('--ro-bind-try', file, file);
  args.push(
    '--ro-bind-data', String(fds.passwd), '/etc/passwd',
    '--ro-bind-data', String(fds.group), '/etc/group',
    '--ro-bind-data', String(fds.hosts), '/etc/hosts',
    '--ro-bind-data', String(fds.profile), '/etc/profile.d/paddock.sh',
  );
  for (const mount of input.codeMounts) args.push('--ro-bind', mount.source, mount.dest);
  args.push(
    '--bind', input.dirs.workspace, sandboxWorkspaceDir,
    '--bind', input.dirs.home, sandboxHome,
    '--bind', input.dirs.run, sandboxRunDir,
    '--chdir', sandboxWorkspaceDir,
  );
  // No --setenv: the environment (blueprint secrets among it) is bwrap's own,
  // set exactly by the agent at spawn. A command line is readable by every user
  // of the host (ps); a process's environment only by its owner.
  args.push('--', input.nodeBinary, input.daemonEntry);
  return args;
}

/**
 * When a workspace reaches its memory limit the kernel ends its "worst"
 * process, by size plus oom_score_adj. The daemon (about 70 MiB) would often
 * be the largest in a small workspace, and with it go every terminal and the
 * workspace itself. Every PTY session is a login shell (bash -l, bash -lc), so
 * raising the score there makes whatever the builder runs the first choice.
 * Raising needs no privilege; lowering it below 0 again would.
 */
const oomPreferenceProfile = `# Paddock: past the memory limit, the kernel ends what runs in terminals before the workspace daemon.
echo 500 > /proc/self/oom_score_adj 2>/dev/null || true
`;

export function sandboxEtcFiles(): { passwd: string; group: string; hosts: string; profile: string } {
  const id = sandboxUidInside;
  return {
    profile: oomPreferenceProfile,
    passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\nbuilder:x:${id}:${id}:builder:${sandboxHome}:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\nbuilder:x:${id}:\nnogroup:x:65534:\n`,
    hosts: '127.0.0.1 localhost workspace\n::1 localhost\n',
  };
}
