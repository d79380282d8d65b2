import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isFastForward, packCommits, readReceivePack, ZERO_OID } from './receivePack.js';

/** A real repository: main A ← B ← C, and a rewrite A ← D beside it. */
const dir = mkdtempSync(join(tmpdir(), 'paddock-receive-pack-'));
const git = (...args: string[]) => gitWith(undefined, ...args);
function gitWith(input: string | undefined, ...args: string[]): Buffer {
  return execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { ...(input !== undefined ? { input } : {}) });
}
const oid = (rev: string) => git('rev-parse', rev).toString().trim();
git('init', '-q', '-b', 'main');
const commit = (file: string, text: string) => {
  writeFileSync(join(dir, file), text);
  git('add', file);
  git('commit', '-q', '-m', file);
  return oid('HEAD');
};
// Large similar files, so pack-objects stores later versions as deltas.
const big = Array.from({ length: 400 }, (_, i) => `line ${i} of a file that changes a little each commit`).join('\n');
const A = commit('a.txt', big);
const B = commit('a.txt', `${big}\nB`);
const C = commit('a.txt', `${big}\nC`);
git('checkout', '-q', '-b', 'rewrite', A);
const D = commit('d.txt', 'rewritten');
/** What `git push` sends: objects reachable from `tip` and not from `have`. */
const packOf = (tip: string, have: string, thin = false) => gitWith(`${tip}\n^${have}\n`, 'pack-objects', '--stdout', '--revs', ...(thin ? ['--thin'] : []), '-q');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pkt(text: string): Buffer {
  return Buffer.from(`${(text.length + 4).toString(16).padStart(4, '0')}${text}`);
}

describe("a git push's receive-pack body", () => {
  it('reads the ref updates (with capabilities on the first) and the pack after the flush', () => {
    const pack = Buffer.from('PACK....');
    const body = Buffer.concat([pkt(`${A} ${C} refs/heads/main\0report-status side-band-64k\n`), pkt(`${B} ${ZERO_OID} refs/heads/old\n`), Buffer.from('0000'), pack]);
    expect(readReceivePack(body)).toEqual({ updates: [{ old: A, new: C, ref: 'refs/heads/main' }, { old: B, new: ZERO_OID, ref: 'refs/heads/old' }], pack });
  });

  it("reads a flush alone (git's probe before a large push) as no updates, and nothing after it", () => {
    expect(readReceivePack(Buffer.from('0000'))).toEqual({ updates: [], pack: Buffer.alloc(0) });
    expect(readReceivePack(Buffer.from('0000PACK'))).toBeUndefined();
  });

  it('refuses what it cannot read: a bad line, a signed push, bytes after the flush that are no pack', () => {
    expect(readReceivePack(Buffer.from('zzzz'))).toBeUndefined();
    expect(readReceivePack(Buffer.concat([pkt('push-cert\0report-status\n'), Buffer.from('0000')]))).toBeUndefined();
    expect(readReceivePack(Buffer.concat([pkt(`${A} ${C} refs/heads/main\n`), Buffer.from('0000junk')]))).toBeUndefined();
    expect(readReceivePack(pkt(`${A} ${C} refs/heads/main\n`))).toBeUndefined();
  });
});

describe('force push detection from the pack', () => {
  it('sees a fast-forward when the pack leads from new back to old', () => {
    const commits = packCommits(packOf(C, A), 1 << 26);
    expect([...commits.keys()].sort()).toEqual([B, C].sort());
    expect(isFastForward({ old: A, new: C, ref: 'refs/heads/main' }, commits)).toBe(true);
  });

  it('resolves deltas in the pack (a thin pack too, as push sends), and still reaches old', () => {
    const commits = packCommits(packOf(C, A, true), 1 << 26);
    expect(isFastForward({ old: A, new: C, ref: 'refs/heads/main' }, commits)).toBe(true);
  });

  it('reads commits stored as deltas of other commits (long messages alike), and fails closed on a pack cut short', () => {
    git('checkout', '-q', 'main');
    const message = 'a long message that is the same in every commit '.repeat(40);
    const tips = Array.from({ length: 12 }, (_, i) => {
      writeFileSync(join(dir, 'n.txt'), String(i));
      git('add', 'n.txt');
      git('commit', '-q', '-m', `${message}${i}`);
      return oid('HEAD');
    });
    const pack = packOf(tips[11]!, C);
    const commits = packCommits(pack, 1 << 26);
    expect(commits.size).toBe(12);
    expect(isFastForward({ old: C, new: tips[11]!, ref: 'refs/heads/main' }, commits)).toBe(true);
    // Cut short (a truncated upload), the commits after the cut are missing: not provably a fast-forward.
    expect(isFastForward({ old: C, new: tips[11]!, ref: 'refs/heads/main' }, packCommits(pack.subarray(0, 40), 1 << 26))).toBe(false);
  });

  it('calls a rewrite a force push, and whatever the pack cannot tell', () => {
    // main was at C; the push moves it to D, whose history does not hold C.
    expect(isFastForward({ old: C, new: D, ref: 'refs/heads/main' }, packCommits(packOf(D, C), 1 << 26))).toBe(false);
    // A rewind to a commit the server has: the pack is empty, it can't prove anything.
    expect(isFastForward({ old: C, new: B, ref: 'refs/heads/main' }, packCommits(packOf(B, C), 1 << 26))).toBe(false);
    // Over the inflate bound, or not a pack at all.
    expect(isFastForward({ old: A, new: C, ref: 'refs/heads/main' }, packCommits(packOf(C, A), 10))).toBe(false);
    expect(packCommits(Buffer.from('PACK garbage here'), 1 << 20).size).toBe(0);
  });

  it('never calls a creation or a deletion a force push', () => {
    expect(isFastForward({ old: ZERO_OID, new: C, ref: 'refs/heads/x' }, new Map())).toBe(true);
    expect(isFastForward({ old: C, new: ZERO_OID, ref: 'refs/heads/x' }, new Map())).toBe(true);
  });
});
