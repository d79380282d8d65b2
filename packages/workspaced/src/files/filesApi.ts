import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, join } from 'node:path';
import {
  FILE_CONTENT_MAX_BYTES, FILE_LIST_MAX_ENTRIES, renameFileRequestSchema,
  type FileContent, type FileEntry, type FileEntryType, type FileListing, type FileWritten,
} from '@paddock/protocol';
import { sendError, sendJson } from '../http/sendJson.js';
import { FileApiError, isMissing, WorkspacePaths } from './workspacePaths.js';

/** Serves /v1/files… (see @paddock/protocol filesApi.ts); returns false for other paths. */
export function createFilesApi(workspaceDir: string) {
  const paths = new WorkspacePaths(workspaceDir);

  return function handleFiles(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const route = `${req.method} ${url.pathname}`;
    let handler: (() => Promise<void>) | undefined;
    const path = url.searchParams.get('path') ?? '';
    switch (route) {
      case 'GET /v1/files': handler = () => list(paths, path, res); break;
      case 'DELETE /v1/files': handler = () => remove(paths, path, res); break;
      case 'GET /v1/files/content': handler = () => readContent(paths, path, res); break;
      case 'PUT /v1/files/content': handler = () => writeContent(paths, path, req, res); break;
      case 'POST /v1/files/rename': handler = () => renamePath(paths, req, res); break;
      default:
        if (url.pathname === '/v1/files' || url.pathname === '/v1/files/content' || url.pathname === '/v1/files/rename') {
          sendError(res, 405, 'method_not_allowed', `${req.method} is not supported here`);
          return true;
        }
        return false;
    }
    handler().catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      // Answer only once the request body is consumed: a client still sending would see a reset instead of the error.
      if (!req.complete) {
        req.resume();
        req.once('end', () => answerError(res, err));
        return;
      }
      answerError(res, err);
    });
    return true;
  };
}

function answerError(res: ServerResponse, err: unknown): void {
  if (err instanceof FileApiError) return sendError(res, err.status, err.code, err.message);
  const code = (err as NodeJS.ErrnoException).code;
  if (isMissing(err)) return sendError(res, 404, 'not_found', 'no such file or folder');
  if (code === 'EACCES' || code === 'EPERM') return sendError(res, 403, 'permission_denied', 'the workspace user may not do that');
  if (code === 'EISDIR') return sendError(res, 400, 'is_a_directory', 'that is a folder');
  if (code === 'ENOTEMPTY' || code === 'EEXIST') return sendError(res, 409, 'conflict', 'something is already there');
  sendError(res, 500, 'internal', 'the file operation failed');
}

async function list(paths: WorkspacePaths, input: string, res: ServerResponse): Promise<void> {
  const p = paths.parse(input);
  const real = await paths.real(p);
  const info = await stat(real);
  if (!info.isDirectory()) throw new FileApiError(400, 'not_a_directory', `${p.relative || '/'} is not a folder`);
  const entries: FileEntry[] = [];
  let truncated = false;
  for (const name of await readdir(real)) {
    if (entries.length >= FILE_LIST_MAX_ENTRIES) { truncated = true; break; }
    const s = await lstat(join(real, name)).catch(() => null);
    if (!s) continue; // removed while we listed
    entries.push({ name, type: entryType(s), size: s.size, mtime: s.mtime.toISOString() });
  }
  entries.sort((a, b) => Number(b.type === 'directory') - Number(a.type === 'directory') || a.name.localeCompare(b.name));
  const body: FileListing = { path: p.relative, entries, truncated };
  sendJson(res, 200, body);
}

async function readContent(paths: WorkspacePaths, input: string, res: ServerResponse): Promise<void> {
  const p = paths.parse(input);
  const real = await paths.real(p);
  const info = await stat(real);
  if (info.isDirectory()) throw new FileApiError(400, 'is_a_directory', `${p.relative || '/'} is a folder`);
  if (!info.isFile()) throw new FileApiError(415, 'not_a_regular_file', `${p.relative} is not a regular file`);
  if (info.size > FILE_CONTENT_MAX_BYTES) throw tooLarge(p.relative);
  const bytes = await readFile(real);
  if (bytes.length > FILE_CONTENT_MAX_BYTES) throw tooLarge(p.relative);
  const content = decodeText(bytes);
  if (content === null) throw new FileApiError(415, 'binary_file', `${p.relative} is not a text file`);
  const etag = etagOf(bytes);
  const body: FileContent = { path: p.relative, content, etag, size: bytes.length, mtime: info.mtime.toISOString() };
  res.setHeader('etag', etag);
  sendJson(res, 200, body);
}

async function writeContent(paths: WorkspacePaths, input: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const p = paths.parse(input);
  if (p.relative === '') throw new FileApiError(400, 'is_a_directory', 'the workspace folder is a folder');
  const content = await readBody(req, FILE_CONTENT_MAX_BYTES, p.relative);
  if (decodeText(content) === null) throw new FileApiError(415, 'binary_file', 'the content must be UTF-8 text');
  const real = await paths.real(p);
  const current = await stat(real).then((s) => s, (err: unknown) => { if (isMissing(err)) return null; throw err; });
  if (current?.isDirectory()) throw new FileApiError(400, 'is_a_directory', `${p.relative} is a folder`);

  // The AI may have written the same file since the browser read it: refuse to overwrite blindly.
  const ifMatch = header(req, 'if-match');
  const ifNoneMatch = header(req, 'if-none-match');
  if (ifNoneMatch === '*' && current) throw new FileApiError(409, 'conflict', `${p.relative} already exists`);
  if (ifMatch !== undefined && ifMatch !== '*') {
    const now = current ? etagOf(await readFile(real)) : null;
    if (now !== ifMatch) {
      res.setHeader('etag', now ?? '');
      throw new FileApiError(409, 'conflict', now ? `${p.relative} changed since it was read` : `${p.relative} was deleted since it was read`);
    }
  }

  await mkdir(dirname(real), { recursive: true });
  // Recheck after creating parents: a path component could have been swapped for a symlink meanwhile.
  const finalPath = await paths.real(p);
  const temp = join(dirname(finalPath), `.${basename(finalPath)}.${randomBytes(6).toString('hex')}.paddock-tmp`);
  try {
    await writeFile(temp, content, { flag: 'wx', mode: current ? current.mode & 0o7777 : 0o644 });
    if (current) await chmod(temp, current.mode & 0o7777);
    await rename(temp, finalPath);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  const after = await stat(finalPath);
  const body: FileWritten = { path: p.relative, etag: etagOf(content), size: content.length, mtime: after.mtime.toISOString() };
  res.setHeader('etag', body.etag);
  sendJson(res, 200, body);
}

async function remove(paths: WorkspacePaths, input: string, res: ServerResponse): Promise<void> {
  const p = paths.parse(input);
  if (p.relative === '') throw new FileApiError(400, 'invalid_path', 'the workspace folder itself cannot be deleted');
  const target = await linkItself(paths, p);
  await lstat(target);
  await rm(target, { recursive: true });
  res.writeHead(204).end();
}

async function renamePath(paths: WorkspacePaths, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readBody(req, 64 * 1024, 'request');
  let parsed: unknown;
  try { parsed = JSON.parse(raw.toString('utf8')); } catch { throw new FileApiError(400, 'invalid_input', 'the body must be JSON {from, to}'); }
  const body = renameFileRequestSchema.safeParse(parsed);
  if (!body.success) throw new FileApiError(400, 'invalid_input', 'the body must be JSON {from, to}');
  const from = paths.parse(body.data.from);
  const to = paths.parse(body.data.to);
  if (from.relative === '' || to.relative === '') throw new FileApiError(400, 'invalid_path', 'the workspace folder itself cannot be renamed');
  const source = await linkItself(paths, from);
  await lstat(source);
  const target = await linkItself(paths, to);
  if (await lstat(target).then(() => true, () => false)) throw new FileApiError(409, 'conflict', `${to.relative} already exists`);
  await mkdir(dirname(target), { recursive: true });
  await rename(source, target);
  res.writeHead(204).end();
}

/** For operations on a name (delete, rename): the parent must be inside; a symlink itself is acted on, not followed. */
async function linkItself(paths: WorkspacePaths, p: { absolute: string; relative: string }): Promise<string> {
  const parent = paths.parse(dirname(p.absolute));
  return join(await paths.real(parent), basename(p.absolute));
}

function entryType(s: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): FileEntryType {
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isDirectory()) return 'directory';
  if (s.isFile()) return 'file';
  return 'other';
}

/** UTF-8 text without NUL bytes, or null for anything that looks binary. */
function decodeText(bytes: Buffer): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

function etagOf(bytes: Buffer): string {
  return `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
}

function tooLarge(path: string): FileApiError {
  return new FileApiError(413, 'file_too_large', `${path} is larger than ${FILE_CONTENT_MAX_BYTES / 1024 / 1024} MiB`);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // An oversized body is read to its end and discarded, so the error reaches a client still sending.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit) reject(new FileApiError(413, 'file_too_large', `the ${what} body is larger than ${limit} bytes`));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}
