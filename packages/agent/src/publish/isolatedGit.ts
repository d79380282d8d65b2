import { spawn } from 'node:child_process';

/**
 * Settings given on every command line, so nothing a workspace can write
 * changes what git does: no hooks, no fsmonitor (a command git would run), no
 * content conversion, no background maintenance. The config files are ours
 * (`GIT_CONFIG_NOSYSTEM`, a global of /dev/null, our own bare repository's),
 * and a workspace's `.git` is never the git dir: the builder's config and
 * hooks are never read.
 */
const SETTINGS = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.untrackedCache=false',
  'core.splitIndex=false',
  'core.autocrlf=false',
  'core.safecrlf=false',
  'core.symlinks=true',
  'core.quotePath=false',
  'core.precomposeUnicode=false',
  'core.protectNTFS=true',
  'gc.auto=0',
  'maintenance.auto=false',
];

export interface GitOptions {
  gitDir: string;
  /** An empty directory of ours, for HOME. */
  home: string;
  workTree?: string;
  /** A private index file (never the workspace's). */
  indexFile?: string;
  /** What git reads on stdin: bytes, or a producer that writes them with backpressure (its failure stops git). */
  input?: Buffer | string | ((write: (chunk: Buffer | string) => Promise<void>) => Promise<void>);
  /** Extra environment (author, dates). */
  env?: Record<string, string>;
  /** Past this much output the command fails, or with `truncate` is stopped and its output cut. */
  maxOutputBytes?: number;
  truncate?: boolean;
  /** Pathspecs are taken literally (no globs, no magic), unless a caller needs one. */
  literalPathspecs?: boolean;
  timeoutMs?: number;
}

export interface GitResult {
  stdout: Buffer;
  truncated: boolean;
}

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? ''} failed (${code ?? 'killed'}): ${stderr.trim().slice(0, 500)}`);
  }
}

const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;

function gitEnv(options: GitOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home,
    LC_ALL: 'C',
    GIT_DIR: options.gitDir,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_OPTIONAL_LOCKS: '0',
    ...(options.literalPathspecs === false ? {} : { GIT_LITERAL_PATHSPECS: '1' }),
    ...(options.workTree ? { GIT_WORK_TREE: options.workTree } : {}),
    ...(options.indexFile ? { GIT_INDEX_FILE: options.indexFile } : {}),
    ...options.env,
  };
}

function spawnGit(args: readonly string[], options: GitOptions) {
  return spawn('git', [...SETTINGS.flatMap((setting) => ['-c', setting]), ...args], {
    cwd: options.gitDir,
    env: gitEnv(options),
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 120_000,
    killSignal: 'SIGKILL',
  });
}

/**
 * Runs git with an argument array (no shell) in an environment made from
 * nothing but PATH: the agent's own GIT_* variables don't leak in either.
 */
export function runGit(args: readonly string[], options: GitOptions): Promise<GitResult> {
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise((resolve, reject) => {
    const child = spawnGit(args, options);
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (truncated) return;
      if (size + chunk.length > maxOutput) {
        chunks.push(chunk.subarray(0, maxOutput - size));
        size = maxOutput;
        truncated = true;
        child.kill('SIGKILL');
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 8192) stderr += chunk.toString('utf8');
    });
    let failed: unknown;
    child.on('error', reject);
    child.on('close', (code) => {
      if (failed !== undefined) return reject(failed);
      if (truncated && !options.truncate) return reject(new GitError(args, code, `more than ${maxOutput} bytes of output`));
      if (!truncated && code !== 0) return reject(new GitError(args, code, stderr));
      resolve({ stdout: Buffer.concat(chunks), truncated });
    });
    // A command that reads no input may exit before taking it; its exit code says what happened.
    child.stdin.on('error', () => undefined);
    const input = options.input;
    if (typeof input !== 'function') return void child.stdin.end(input ?? '');
    const write = (chunk: Buffer | string) =>
      new Promise<void>((done, fail) => {
        if (child.stdin.destroyed) return fail(new GitError(args, child.exitCode, stderr || 'git stopped reading'));
        if (child.stdin.write(chunk)) return done();
        const settle = () => {
          child.stdin.off('drain', settle);
          child.stdin.off('close', settle);
          if (child.stdin.destroyed) fail(new GitError(args, child.exitCode, stderr || 'git stopped reading'));
          else done();
        };
        child.stdin.on('drain', settle);
        child.stdin.on('close', settle);
      });
    input(write).then(
      () => child.stdin.end(),
      (err: unknown) => {
        failed = err;
        child.kill('SIGKILL');
      },
    );
  });
}

/**
 * The contents of these objects, one at a time and in order, from one
 * `git cat-file --batch`: read as the caller consumes them (the pipe's
 * backpressure holds git), so a large version is never all in memory.
 */
export async function* catObjects(objects: readonly string[], options: GitOptions): AsyncGenerator<Buffer> {
  if (objects.length === 0) return;
  const child = spawnGit(['cat-file', '--batch'], options);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 8192) stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.on('error', () => undefined);
  child.stdin.on('error', () => undefined);
  child.stdin.end(objects.map((o) => `${o}\n`).join(''));
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let need: number | undefined;
  let yielded = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      for (;;) {
        if (need === undefined) {
          const head = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
          const eol = head.indexOf(10);
          if (eol === -1) {
            pending = [head];
            break;
          }
          const header = head.subarray(0, eol).toString('utf8');
          const match = /^[0-9a-f]+ \w+ (\d+)$/.exec(header);
          if (!match) throw new GitError(['cat-file'], null, `unexpected object header ${JSON.stringify(header.slice(0, 100))}`);
          need = Number(match[1]) + 1; // the content and its newline
          pending = [head.subarray(eol + 1)];
          pendingBytes = pending[0]!.length;
        }
        if (pendingBytes < need) break;
        const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        const content = all.subarray(0, need - 1);
        pending = [all.subarray(need)];
        pendingBytes = pending[0]!.length;
        need = undefined;
        yielded += 1;
        yield content;
      }
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  const code = await exited;
  if (yielded < objects.length) throw new GitError(['cat-file'], code, stderr || 'objects missing');
}

/** Splits NUL-terminated output (`-z`) into its records, as bytes: a path need not be UTF-8. */
export function splitNul(output: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let start = 0;
  for (let end = output.indexOf(0, start); end !== -1; end = output.indexOf(0, start)) {
    records.push(output.subarray(start, end));
    start = end + 1;
  }
  if (start < output.length) records.push(output.subarray(start));
  return records;
}
