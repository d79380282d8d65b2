import { constants } from 'node:fs';
import { open, readlink, type FileHandle } from 'node:fs/promises';
import { PublishError } from './publishError.js';

export type WorkspaceFile =
  | { path: Buffer; kind: 'file'; executable: boolean; content: Buffer }
  | { path: Buffer; kind: 'link'; target: Buffer };

const DIRECTORY = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const FILE = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Reads the listed files of a workspace the sandbox may be changing under us,
 * so that nothing outside it is ever read: every component is opened relative
 * to its parent's handle (through /proc/self/fd, which is openat), refusing
 * links, and a file is read from the handle that was checked. A name flipped
 * to a link between listing and reading is stored as the link it now is (and
 * judged as one); a directory flipped to a link refuses the snapshot. Names
 * gone since listing are skipped. Paths are bytes, relative, without `.` or
 * `..` (as `git ls-files` gives them).
 */
export async function* readWorkspaceFiles(root: string, paths: readonly Buffer[], maxFileBytes: number): AsyncGenerator<WorkspaceFile> {
  const stack: Array<{ name: string; handle: FileHandle }> = [{ name: '', handle: await open(root, DIRECTORY) }];
  const at = (handle: FileHandle, name: Buffer) => Buffer.concat([Buffer.from(`/proc/self/fd/${handle.fd}/`), name]);
  try {
    for (const path of [...paths].sort(Buffer.compare)) {
      const parts = split(path);
      const name = parts.pop()!;
      let depth = 1;
      while (depth < stack.length && depth - 1 < parts.length && stack[depth]!.name === parts[depth - 1]!.toString('latin1')) depth++;
      for (const left of stack.splice(depth)) await left.handle.close();
      let missing = false;
      for (const part of parts.slice(stack.length - 1)) {
        try {
          stack.push({ name: part.toString('latin1'), handle: await open(at(stack[stack.length - 1]!.handle, part), DIRECTORY) });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            missing = true;
            break;
          }
          if (code === 'ELOOP' || code === 'ENOTDIR') throw new PublishError('refused', `${JSON.stringify(path.toString('utf8'))} changed while it was read: a directory on its way became a link or a file`);
          throw unreadable(err, path);
        }
      }
      if (missing) continue;
      const file = await readEntry(at(stack[stack.length - 1]!.handle, name), path, maxFileBytes);
      if (file) yield file;
    }
  } finally {
    for (const left of stack) await left.handle.close();
  }
}

async function readEntry(where: Buffer, path: Buffer, maxFileBytes: number): Promise<WorkspaceFile | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(where, FILE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENXIO') return undefined;
    if (code !== 'ELOOP') throw unreadable(err, path);
    // readlink does not follow the last component: the link itself, never what it names.
    const target = await readlink(where, { encoding: 'buffer' }).catch(() => undefined);
    return target ? { path, kind: 'link', target } : undefined;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return undefined;
    const content = await readAtMost(handle, maxFileBytes + 1);
    if (content.length > maxFileBytes) throw new PublishError('too-large', `${path.toString('utf8')} is ${Math.max(stat.size, content.length)} bytes, more than ${maxFileBytes}`);
    return { path, kind: 'file', executable: (stat.mode & 0o100) !== 0, content };
  } finally {
    await handle.close();
  }
}

/** Up to `limit` bytes: a file that grows while read is not followed past it. */
async function readAtMost(handle: FileHandle, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const buffer = Buffer.allocUnsafe(Math.min(1024 * 1024, limit - total));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, total);
    if (bytesRead === 0) break;
    chunks.push(buffer.subarray(0, bytesRead));
    total += bytesRead;
  }
  return Buffer.concat(chunks);
}

/** A file the agent may not read is the workspace's to fix: said with its name. */
function unreadable(err: unknown, path: Buffer): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return new PublishError('refused', `${JSON.stringify(path.toString('utf8'))} cannot be read (permission denied)`);
  return err;
}

function split(path: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let slash = path.indexOf(0x2f); slash !== -1; slash = path.indexOf(0x2f, start)) {
    parts.push(path.subarray(start, slash));
    start = slash + 1;
  }
  parts.push(path.subarray(start));
  return parts;
}
