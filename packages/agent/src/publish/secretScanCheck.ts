import { findSecrets } from '../governance/secretScan.js';
import type { PublishCheck } from './publishCheck.js';
import type { VersionStore } from './versionStore.js';

/** A secret in a file of the version: critical, it blocks approval. Shown masked (governance/mask.ts), never whole. */
export interface SecretFinding {
  file: string;
  line: number;
  rule: string;
  match: string;
}

/** A text file too large to scan: the reviewer is told it was not looked at. */
export interface UnscannedFile {
  file: string;
  rule: 'not-scanned';
  reason: string;
}

export type SecretScanFinding = SecretFinding | UnscannedFile;

export interface SecretScanOptions {
  /** Files larger than this are not scanned (and said so). */
  maxFileBytes?: number;
  /** Matches reported for one file at most. */
  maxFindingsPerFile?: number;
}

const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;
/** Git's own test for binary content: a NUL in the first 8000 bytes. */
const BINARY_PROBE_BYTES = 8000;

/**
 * Every file of a version through the governance content filters' secret
 * rules (secretScan.ts: secretlint's recommended preset and the gitleaks
 * ports), private keys included. Binary files are skipped; a text file over
 * the size cap is a warning. Failed as soon as there is one secret.
 */
export async function secretScan(store: VersionStore, version: string, options: SecretScanOptions = {}): Promise<PublishCheck<SecretScanFinding>> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const perFile = options.maxFindingsPerFile ?? 20;
  const files = (await store.files(await store.commit(version))).filter((e) => e.mode === '100644' || e.mode === '100755');
  const scannable = files.filter((e) => e.size <= maxBytes);
  const secrets: SecretFinding[] = [];
  const unscanned: UnscannedFile[] = files.filter((e) => e.size > maxBytes).map((e) => ({ file: e.path, rule: 'not-scanned', reason: `${e.size} bytes, more than the ${maxBytes} scanned` }));
  let i = 0;
  for await (const content of store.blobs(scannable.map((e) => e.object))) {
    const file = scannable[i++]!.path;
    if (content.subarray(0, BINARY_PROBE_BYTES).includes(0)) continue;
    const text = content.toString('utf8');
    const lines = lineStarts(text);
    const found = await findSecrets(text, { secrets: true, privateKeys: true }, perFile);
    const inFile = found.map((f) => ({ file, line: lineAt(lines, f.offset), rule: f.rule, match: f.masked }));
    secrets.push(...inFile.sort((a, b) => a.line - b.line));
  }
  const status = secrets.length > 0 ? 'failed' : unscanned.length > 0 ? 'warning' : 'passed';
  return { name: 'secret-scan', status, findings: [...secrets, ...unscanned] };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}

/** The 1-based line holding this offset (binary search over the line starts). */
function lineAt(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}
