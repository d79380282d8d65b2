import { lstat, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** A refusal with its HTTP status and the API's error code. */
export class FileApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export interface WorkspacePath {
  /** Absolute, lexically inside the root (symlinks not yet followed). */
  absolute: string;
  /** Relative to the root, with '/' separators; '' is the root. */
  relative: string;
}

/**
 * Confines paths to the workspace root. The sandbox is the security boundary
 * (the shell reaches anything the daemon reaches); this keeps the editor from
 * becoming a way to read or write outside /workspace, symlinks included.
 */
export class WorkspacePaths {
  private realRoot: string | undefined;

  constructor(private readonly root: string) {}

  /** Lexical check: no `..`, no NUL, absolute only under the root. */
  parse(input: string): WorkspacePath {
    if (input.includes('\0')) throw new FileApiError(400, 'invalid_path', 'a path may not contain NUL');
    if (input.split(/[\\/]/).includes('..')) throw new FileApiError(400, 'invalid_path', 'a path may not contain ..');
    const absolute = isAbsolute(input) ? resolve(input) : resolve(this.root, input);
    const rel = relative(this.root, absolute);
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new FileApiError(403, 'outside_workspace', `${input} is outside ${this.root}`);
    return { absolute, relative: rel.split(sep).join('/') };
  }

  /**
   * The real path of an existing path, which must stay under the real root;
   * for a path that does not exist yet, its nearest existing ancestor must.
   * Returns the real path of `p` (the ancestor's real path joined with the rest).
   */
  async real(p: WorkspacePath): Promise<string> {
    const root = await this.rootReal();
    let existing = p.absolute;
    const rest: string[] = [];
    for (;;) {
      try {
        const real = await realpath(existing);
        if (!within(root, real)) throw new FileApiError(403, 'outside_workspace', `${p.relative} leads outside the workspace`);
        return rest.length ? join(real, ...rest.reverse()) : real;
      } catch (err) {
        if (!isMissing(err)) throw err;
        // A dangling symlink could point anywhere once its target is created.
        if (await lstat(existing).then(() => true, () => false)) throw new FileApiError(403, 'outside_workspace', `${p.relative} is a dangling symlink`);
        if (existing === this.root) throw new FileApiError(404, 'not_found', 'the workspace folder does not exist');
        rest.push(existing.slice(existing.lastIndexOf(sep) + 1));
        existing = existing.slice(0, existing.lastIndexOf(sep)) || sep;
      }
    }
  }

  async rootReal(): Promise<string> {
    this.realRoot ??= await realpath(this.root);
    return this.realRoot;
  }
}

export function within(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);
}

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
