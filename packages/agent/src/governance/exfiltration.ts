import type { FilterMatch } from '@paddock/protocol';
import { mask } from './mask.js';

/** Shorter values (`true`, `3000`) would match everywhere: they are not treated as credentials. */
export const MIN_CREDENTIAL_LENGTH = 8;

export interface Needle { text: string; form: string; ignoreCase: boolean }

/**
 * Every form a workspace's credential can leave in: as is (and so,
 * URL-encoded: `findCredential` decodes percent-escapes), hex, and base64 (standard and URL-safe) at each of the three byte
 * alignments it can sit at inside a longer encoded payload.
 */
export function credentialNeedles(values: Iterable<string>): Needle[] {
  const needles: Needle[] = [];
  const seen = new Set<string>();
  const add = (text: string, form: string, ignoreCase = false) => {
    const key = ignoreCase ? text.toLowerCase() : text;
    if (text.length < MIN_CREDENTIAL_LENGTH || seen.has(key)) return;
    seen.add(key);
    needles.push({ text: ignoreCase ? key : text, form, ignoreCase });
  };
  for (const value of values) {
    if (value.length < MIN_CREDENTIAL_LENGTH) continue;
    add(value, 'workspace-credential');
    const bytes = Buffer.from(value, 'utf8');
    add(bytes.toString('hex'), 'workspace-credential-hex', true);
    for (let k = 0; k < 3; k++) {
      const shifted = Buffer.concat([Buffer.alloc(k), bytes]);
      // Only the characters made of the credential's own bits: the ones around depend on its neighbours.
      const from = Math.ceil((8 * k) / 6);
      const to = Math.floor((8 * (k + bytes.length)) / 6);
      add(shifted.toString('base64').slice(from, to), 'workspace-credential-base64');
      add(shifted.toString('base64url').slice(from, to), 'workspace-credential-base64');
    }
  }
  return needles;
}

/** The longest needle: how much of the previous request a split secret can hide in. */
export function longestNeedle(needles: readonly Needle[]): number {
  return needles.reduce((n, needle) => Math.max(n, needle.text.length), 0);
}

/**
 * A credential in `content`, or straddling the end of `tail` (what this
 * workspace sent just before) and the start of `content`. A match wholly in
 * the tail was already reported with the request that carried it.
 */
export function findCredential(needles: readonly Needle[], content: string, tail = ''): FilterMatch | undefined {
  const text = tail + content;
  let lower: string | undefined;
  for (const needle of needles) {
    const haystack = needle.ignoreCase ? (lower ??= text.toLowerCase()) : text;
    const from = Math.max(0, tail.length - needle.text.length + 1);
    const at = haystack.indexOf(needle.text, from);
    if (at >= 0) return { filter: 'exfiltration', rule: at < tail.length ? `${needle.form}-split` : needle.form, masked: mask(text.slice(at, at + needle.text.length)) };
  }
  if (!text.includes('%')) return undefined;
  // Percent-escapes can spell any character (`%21`, `%2D`): look again with them decoded.
  const decoded = percentDecode(text);
  const decodedTail = percentDecode(tail);
  for (const needle of needles) {
    if (needle.ignoreCase) continue;
    if (decoded.includes(needle.text) && !decodedTail.includes(needle.text)) {
      return { filter: 'exfiltration', rule: 'workspace-credential-urlencoded', masked: mask(needle.text) };
    }
  }
  return undefined;
}

/** `%XX` escapes decoded as bytes, anything else left as it is (never throws, unlike decodeURIComponent). */
export function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  const raw = Buffer.from(text, 'utf8');
  // Decoding only shortens: one buffer of the input's size holds it (a body may be megabytes).
  const bytes = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i] ?? 0;
    if (byte === 0x25 && i + 2 < raw.length && isHex(raw[i + 1]) && isHex(raw[i + 2])) {
      bytes[n++] = parseInt(String.fromCharCode(raw[i + 1] ?? 0, raw[i + 2] ?? 0), 16);
      i += 2;
    } else bytes[n++] = byte;
  }
  return bytes.subarray(0, n).toString('utf8');
}

function isHex(byte: number | undefined): boolean {
  return byte !== undefined && /[0-9a-fA-F]/.test(String.fromCharCode(byte));
}

/**
 * The last characters each workspace sent, per stream (its model calls, its
 * web requests), so a secret split across consecutive requests is still
 * seen. In memory only, bounded, dropped when the workspace stops.
 */
export class RollingTails {
  private readonly tails = new Map<string, string>();

  get(workspaceId: string, stream: string): string {
    return this.tails.get(`${workspaceId}\0${stream}`) ?? '';
  }

  push(workspaceId: string, stream: string, content: string, keep: number): void {
    const key = `${workspaceId}\0${stream}`;
    if (keep <= 0) {
      this.tails.delete(key);
      return;
    }
    this.tails.set(key, ((this.tails.get(key) ?? '') + content).slice(-keep));
  }

  forget(workspaceId: string): void {
    for (const key of this.tails.keys()) if (key.startsWith(`${workspaceId}\0`)) this.tails.delete(key);
  }
}
