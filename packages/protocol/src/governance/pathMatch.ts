import { posix } from 'node:path';
import picomatch from 'picomatch';

/** Where a workspace's files are, inside its sandbox: relative paths are taken from here. */
export const WORKSPACE_ROOT = '/workspace';

/**
 * A path as the sandbox would open it: relative to /workspace, `.` and `..`
 * resolved, repeated slashes collapsed; so `/workspace/../etc/passwd` is
 * `/etc/passwd` before any rule sees it. (Symbolic links inside the workspace
 * can't be resolved here; the sandbox's mounts are what bound them.)
 */
export function normalizeWorkspacePath(path: string): string {
  return posix.resolve(WORKSPACE_ROOT, path.replace(/\0/g, ''));
}

/** A path rule's glob (`*`, `**`, `?`; dot files included); a pattern that isn't absolute is relative to /workspace. */
export function pathPatternMatches(pattern: string, path: string): boolean {
  const absolute = pattern.startsWith('/') ? pattern : `${WORKSPACE_ROOT}/${pattern}`;
  return picomatch.isMatch(normalizeWorkspacePath(path), absolute, { dot: true });
}
