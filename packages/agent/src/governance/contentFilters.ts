import type { ContentFilters, FilterMatch } from '@paddock/protocol';
import { findLargeEncodedPayload } from './encodedPayload.js';
import { findCredential, type Needle } from './exfiltration.js';
import { scanSecrets } from './secretScan.js';

export interface ExfiltrationInput {
  /** The workspace's own credentials in every form they can leave in (`credentialNeedles`). */
  needles: readonly Needle[];
  /** What this workspace sent just before, for a secret split across requests. */
  tail: string;
}

export interface ScanOptions {
  /** Look for large encoded payloads too: the content goes to a domain no rule explicitly allows. */
  encodedPayloads?: boolean;
}

/**
 * The content filters a policy turns on, over one piece of content: the
 * workspace's own credentials first (the most specific finding), then private
 * keys and leaked secrets, then (where asked) a large encoded payload. The
 * first match, masked; nothing else is kept.
 */
export async function scanContent(filters: ContentFilters, content: string, exfiltration?: ExfiltrationInput, options: ScanOptions = {}): Promise<FilterMatch | undefined> {
  if (filters.exfiltration && exfiltration) {
    const found = findCredential(exfiltration.needles, content, exfiltration.tail);
    if (found) return found;
  }
  const secret = await scanSecrets(content, { secrets: filters.secrets, privateKeys: filters.privateKeys });
  if (secret) return secret;
  return filters.exfiltration && options.encodedPayloads ? findLargeEncodedPayload(content) : undefined;
}
