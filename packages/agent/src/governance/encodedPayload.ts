import type { FilterMatch } from '@paddock/protocol';
import { mask } from './mask.js';
import { percentDecode } from './exfiltration.js';

/**
 * 4 KiB decoded: far above any token, key, JWT or integrity hash (an RS256
 * JWT is under 1 KiB, a sha512 integrity 64 bytes), far below what is worth
 * smuggling out (a database, a source tree, a screenshot).
 */
export const LARGE_PAYLOAD_BYTES = 4096;
/** A run counts towards "mostly encoded" from this length: a UUID (36), a sha256 in hex (64) or a JWT's parts stay below. */
const MOSTLY_MIN_RUN = 100;
/** The share of a body's non-blank characters its long runs must make up for it to be "mostly encoded". */
const MOSTLY_SHARE = 0.75;
/** A line break continues a run after a line this long: base64 wraps at 64 or 76, `xxd -p` at 60. */
const WRAP_MIN_LINE = 60;
/** A `+ / - _` this frequent joins words (`a+form+post`, `a/long/path`, `kebab-case`), not base64 digits (1 in 64). */
const JOINER_SHARE = 0.1;

const HEX = /^[0-9a-fA-F]+$/;

interface Run { text: string; bytes: number }

/**
 * A large base64, base64url or hex payload in outgoing content: one run that
 * decodes to 4 KiB or more, or content that is mostly long runs adding up to
 * that (a blob cut into chunks). Percent-escapes are decoded first (a form
 * post spells `+ / =` as `%2B %2F %3D`), and a run may be wrapped over lines.
 * It can't see a payload encoded any other way, or cut into pieces below the
 * threshold across requests: domain rules are the control; this catches the
 * ordinary `base64 db.sqlite | curl -d @- …`.
 */
export function findLargeEncodedPayload(content: string): FilterMatch | undefined {
  const text = content.includes('%') ? percentDecode(content) : content;
  const runs = encodedRuns(text);
  const largest = runs.reduce<Run | undefined>((best, run) => (run.bytes > (best?.bytes ?? 0) ? run : best), undefined);
  if (!largest) return undefined;
  if (largest.bytes >= LARGE_PAYLOAD_BYTES) return found(largest);
  const long = runs.filter((run) => run.text.length >= MOSTLY_MIN_RUN);
  const bytes = long.reduce((n, run) => n + run.bytes, 0);
  if (bytes < LARGE_PAYLOAD_BYTES) return undefined;
  const chars = long.reduce((n, run) => n + run.text.length, 0);
  return chars >= MOSTLY_SHARE * nonBlank(text) ? found(long[0] ?? largest) : undefined;
}

function found(run: Run): FilterMatch {
  return { filter: 'exfiltration', rule: 'large-encoded-payload', masked: mask(run.text) };
}

/** The runs of base64/base64url/hex digits in `text`, each with the bytes it decodes to; runs too uniform to carry data are left out. */
function encodedRuns(text: string): Run[] {
  const runs: Run[] = [];
  let pieces: string[] = [];
  let from = -1;
  let length = 0;
  let line = 0;
  const cut = (at: number) => {
    if (from >= 0 && at > from) pieces.push(text.slice(from, at));
    from = -1;
  };
  const end = (at: number) => {
    cut(at);
    if (length >= 16) for (const piece of unjoined(pieces.join(''))) runs.push(piece);
    pieces = [];
    length = 0;
    line = 0;
  };
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isDigit(code)) {
      if (from < 0) from = i;
      length++;
      line++;
      continue;
    }
    // JSON's escaped slash, and line breaks (real or JSON-escaped) inside wrapped base64 or hex.
    if (code === 0x5c && text.charCodeAt(i + 1) === 0x2f) {
      cut(i);
      pieces.push('/');
      length++;
      line++;
      i++;
      continue;
    }
    const lineBreak = length ? breakAt(text, i) : 0;
    if (lineBreak && line >= WRAP_MIN_LINE) {
      cut(i);
      line = 0;
      i += lineBreak - 1;
      continue;
    }
    // Anything else, padding included, ends the run (a second payload after it is a run of its own).
    end(i);
  }
  end(text.length);
  return runs;
}

/** `A-Z a-z 0-9 + / - _`: base64's and base64url's digits (hex's are among them). */
function isDigit(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39)
    || code === 0x2b || code === 0x2f || code === 0x2d || code === 0x5f;
}

/** How long a line break at `i` is: `\n`, `\r\n`, or their JSON escapes `\\n`, `\\r\\n`; 0 when there is none. */
function breakAt(text: string, i: number): number {
  for (const seq of ['\r\n', '\n', '\\r\\n', '\\n']) if (text.startsWith(seq, i)) return seq.length;
  return 0;
}

/** A run split at a joiner it uses too often to be one of its digits, recursively; each piece weighed as hex or base64. */
function unjoined(run: string): Run[] {
  for (const joiner of ['+', '/', '-', '_']) {
    const count = run.split(joiner).length - 1;
    if (count > JOINER_SHARE * run.length) return run.split(joiner).filter((p) => p.length >= 16).flatMap(unjoined);
  }
  const hex = HEX.test(run);
  // Random data uses every digit; a run of a few (`AAAA…`, `0000…`) carries next to nothing.
  if (new Set(run).size < (hex ? 8 : 20)) return [];
  return [{ text: run, bytes: hex ? Math.floor(run.length / 2) : Math.floor((run.length * 3) / 4) }];
}

function nonBlank(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) n++;
  }
  return n;
}
