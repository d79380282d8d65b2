import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';

/** What a ref update asks (a `git-receive-pack` command): from `old` to `new`; all zeros is "none" (a creation, a deletion). */
export interface RefUpdate { old: string; new: string; ref: string }

export const ZERO_OID = '0'.repeat(40);

const SHA1 = /^[0-9a-f]{40}$/;
/** pkt-line: four hex digits of length (the four included), at most 65520 bytes. */
const MAX_PKT = 65520;

/**
 * The body of `POST …/git-receive-pack` (git's smart HTTP protocol, v0/v1:
 * push still speaks it): pkt-lines of `old new ref` (the first with
 * capabilities after a NUL), `shallow` lines before them, a flush, push
 * options and a flush when negotiated, then the pack (none for deletions only).
 * A flush alone (git's probe before a large push) is read as no updates.
 * Undefined when it can't be read as that, or is a signed push (a push
 * certificate wraps the commands): the caller refuses it.
 */
export function readReceivePack(body: Buffer): { updates: RefUpdate[]; pack: Buffer } | undefined {
  let at = 0;
  const next = (): Buffer | null | undefined => {
    if (at + 4 > body.length) return undefined;
    const hex = body.toString('latin1', at, at + 4);
    if (!/^[0-9a-f]{4}$/.test(hex)) return undefined;
    const length = parseInt(hex, 16);
    if (length === 0) {
      at += 4;
      return null;
    }
    if (length < 4 || length > MAX_PKT || at + length > body.length) return undefined;
    const line = body.subarray(at + 4, at + length);
    at += length;
    return line;
  };
  const updates: RefUpdate[] = [];
  let options = false;
  for (;;) {
    const line = next();
    if (line === undefined) return undefined;
    if (line === null) break;
    const text = line.toString('utf8').replace(/\n$/, '');
    if (text.startsWith('shallow ')) continue;
    const [command, capabilities] = text.split('\0');
    const m = /^([0-9a-f]{40}) ([0-9a-f]{40}) (refs\/[^\0\s]+)$/.exec(command ?? '');
    if (!m) return undefined;
    if (capabilities !== undefined && updates.length === 0) options = capabilities.split(' ').includes('push-options');
    updates.push({ old: m[1]!, new: m[2]!, ref: m[3]! });
  }
  // A flush alone is git's probe before a large push (it updates nothing); a pack after no commands would be read by no one.
  if (!updates.length) return at === body.length ? { updates, pack: body.subarray(at) } : undefined;
  if (options) {
    for (;;) {
      const line = next();
      if (line === undefined) return undefined;
      if (line === null) break;
    }
  }
  const pack = body.subarray(at);
  if (pack.length && pack.toString('latin1', 0, 4) !== 'PACK') return undefined;
  return { updates, pack };
}

/**
 * Whether updating a ref from `old` to `new` is a fast-forward, by the pack
 * the push carries: yes only when walking parents from `new` through the
 * pack's own commits reaches `old`. The commits are read from the pack and
 * named by their hash, so a chain that reaches `old` proves `new` descends
 * from it. Anything else counts as a force push (fail closed): a rewrite, but
 * also what the pack can't tell — `new` already on the server (a rewind, or a
 * branch moved to an existing commit), history that passes through commits
 * the server already has, a commit stored as a delta against an object that
 * is not in the pack (a thin pack), a pack that doesn't parse or is too large.
 * A creation (old all zeros) and a deletion are never a force push.
 */
export function isFastForward(update: RefUpdate, commits: ReadonlyMap<string, string[]>): boolean {
  if (update.old === ZERO_OID || update.new === ZERO_OID || update.old === update.new) return true;
  const seen = new Set<string>();
  const queue = [update.new];
  while (queue.length) {
    const oid = queue.pop()!;
    if (oid === update.old) return true;
    if (seen.has(oid)) continue;
    seen.add(oid);
    queue.push(...commits.get(oid) ?? []);
  }
  return false;
}

const TYPES = ['', 'commit', 'tree', 'blob', 'tag'] as const;
const OFS_DELTA = 6;
const REF_DELTA = 7;

interface PackObject { type: number; data: Buffer; baseOffset?: number; baseOid?: string }

/**
 * The commits in a pack (version 2 or 3), by id, with their parents. Commits
 * stored whole are read as they are; deltas are resolved against a commit in
 * the same pack (by offset or id); one whose base isn't there (a thin pack's
 * base, on the server) is left out. Other objects are inflated (to find where
 * the next begins) and dropped. `maxBytes` bounds what is inflated in all
 * (a pack that inflates past it yields what was read so far, which only ever
 * makes a push look like a force push). Never throws.
 */
export function packCommits(pack: Buffer, maxBytes: number): Map<string, string[]> {
  const commits = new Map<string, string[]>();
  const objects = new Map<number, PackObject>();
  try {
    if (pack.length < 12 || pack.toString('latin1', 0, 4) !== 'PACK') return commits;
    const version = pack.readUInt32BE(4);
    if (version !== 2 && version !== 3) return commits;
    const count = pack.readUInt32BE(8);
    let at = 12;
    let inflated = 0;
    for (let i = 0; i < count; i++) {
      const start = at;
      let byte = pack[at++]!;
      const type = (byte >> 4) & 7;
      let size = byte & 15;
      let shift = 4;
      while (byte & 0x80) {
        byte = pack[at++]!;
        size += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      }
      const object: PackObject = { type, data: Buffer.alloc(0) };
      if (type === OFS_DELTA) {
        byte = pack[at++]!;
        let offset = byte & 0x7f;
        while (byte & 0x80) {
          byte = pack[at++]!;
          offset = (offset + 1) * 128 + (byte & 0x7f);
        }
        object.baseOffset = start - offset;
      } else if (type === REF_DELTA) {
        object.baseOid = pack.toString('hex', at, at + 20);
        at += 20;
      } else if (!TYPES[type]) return commits;
      inflated += size;
      if (inflated > maxBytes || at >= pack.length) return commits;
      const { buffer, engine } = inflateSync(pack.subarray(at), { info: true, maxOutputLength: size + 1 }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      if (buffer.length !== size) return commits;
      // Only commits and deltas (which may be of commits) are kept: a tree's, a blob's or a tag's content is never needed.
      if (type === 1 || type >= OFS_DELTA) object.data = buffer;
      at += engine.bytesWritten;
      objects.set(start, object);
    }
  } catch {
    // A truncated or corrupt pack: the commits read so far (each named by its own hash) are still true.
  }
  resolve(objects, commits);
  return commits;
}

/** Resolves every delta it can (whose base is known, again until nothing changes) and keeps the commits, named by their hash. */
function resolve(objects: Map<number, PackObject>, commits: Map<string, string[]>): void {
  const byOid = new Map<string, PackObject>();
  const named = new Set<number>();
  const name = (offset: number, object: PackObject) => {
    named.add(offset);
    if (object.type !== 1) return;
    const header = Buffer.from(`commit ${object.data.length}\0`);
    const oid = createHash('sha1').update(header).update(object.data).digest('hex');
    byOid.set(oid, object);
    commits.set(oid, parentsOf(object.data));
  };
  for (const [offset, object] of objects) if (object.type < OFS_DELTA) name(offset, object);
  for (let progress = true; progress;) {
    progress = false;
    for (const [offset, object] of objects) {
      if (named.has(offset)) continue;
      const base = object.baseOffset !== undefined ? (named.has(object.baseOffset) ? objects.get(object.baseOffset) : undefined) : byOid.get(object.baseOid ?? '');
      if (!base) continue;
      if (base.type !== 1) {
        // A delta of something else than a commit: of its base's type, and of no interest.
        object.type = base.type;
        object.data = Buffer.alloc(0);
        name(offset, object);
        progress = true;
        continue;
      }
      const data = applyDelta(base.data, object.data);
      if (!data) {
        named.add(offset);
        continue;
      }
      // Resolved in place: it is now an object of its base's type, and a base for others.
      object.type = base.type;
      object.data = data;
      name(offset, object);
      progress = true;
    }
  }
}

function parentsOf(commit: Buffer): string[] {
  const parents: string[] = [];
  for (const line of commit.toString('utf8').split('\n')) {
    if (line === '') break;
    const m = /^parent ([0-9a-f]{40})$/.exec(line);
    if (m) parents.push(m[1]!);
  }
  return parents.filter((p) => SHA1.test(p));
}

/** git's delta format: the base's size, the result's size, then copy (from the base) and insert instructions. Undefined when it doesn't fit. */
function applyDelta(base: Buffer, delta: Buffer): Buffer | undefined {
  let at = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = delta[at++];
      if (byte === undefined) return -1;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  if (varint() !== base.length) return undefined;
  const size = varint();
  if (size < 0) return undefined;
  const out = Buffer.alloc(size);
  let written = 0;
  while (at < delta.length) {
    const op = delta[at++]!;
    if (op & 0x80) {
      let offset = 0;
      let length = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) offset += delta[at++]! * 2 ** (8 * i);
      for (let i = 0; i < 3; i++) if (op & (0x10 << i)) length += delta[at++]! * 2 ** (8 * i);
      if (length === 0) length = 0x10000;
      if (offset + length > base.length || written + length > size) return undefined;
      base.copy(out, written, offset, offset + length);
      written += length;
    } else if (op) {
      if (at + op > delta.length || written + op > size) return undefined;
      delta.copy(out, written, at, at + op);
      at += op;
      written += op;
    } else return undefined;
  }
  return written === size ? out : undefined;
}
