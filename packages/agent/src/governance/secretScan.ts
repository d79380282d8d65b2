import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { FilterMatch } from '@paddock/protocol';
import { mask } from './mask.js';

const PRIVATE_KEY_RULE = '@secretlint/secretlint-rule-privatekey';
const PREFIX = '@secretlint/secretlint-rule-';
/** The preset leaves AWS access key ids out by default (they are not secret alone); leaving a workspace, they are worth a look. */
const PRESET_OPTIONS = [{ id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true } }];

/** A match and where it starts in the content (UTF-16 offset), for a caller that reports a line. */
export type SecretMatch = FilterMatch & { offset: number };

/**
 * Leaked secrets and private keys, by secretlint's recommended preset (cloud,
 * forge, AI provider, chat, payment and database credentials; private keys),
 * plus what that preset leaves out and the issue asks for, ported from
 * gitleaks' rules: JWTs, PEM certificates, and generic high-entropy
 * `key = value` assignments. Returns the first match, masked; the content is
 * not kept.
 */
export async function scanSecrets(content: string, want: { secrets: boolean; privateKeys: boolean }): Promise<FilterMatch | undefined> {
  const [first] = await findSecrets(content, want, 1);
  if (!first) return undefined;
  const { offset: _offset, ...match } = first;
  return match;
}

/**
 * Every match of the same rules, up to `limit`, masked: secretlint's in the
 * order they occur, then certificates, JWTs and generic assignments (the
 * order `scanSecrets` prefers them in). The publish checks report them all.
 */
export async function findSecrets(content: string, want: { secrets: boolean; privateKeys: boolean }, limit = Number.POSITIVE_INFINITY): Promise<SecretMatch[]> {
  const found: SecretMatch[] = [];
  if (!want.secrets && !want.privateKeys) return found;
  const spans: Array<[number, number]> = [];
  // One secret is reported once, by the first (most specific) rule that matched it.
  const take = (filter: SecretMatch['filter'], rule: string, secret: string, offset: number): boolean => {
    const end = offset + secret.length;
    if (spans.some(([from, to]) => offset < to && from < end)) return false;
    spans.push([offset, end]);
    found.push({ filter, rule, masked: mask(secret), offset });
    return found.length >= limit;
  };
  const result = await lintSource({
    source: { content, filePath: '/paddock/content.txt', ext: '.txt', contentType: 'text' },
    options: { config: { rules: [{ id: recommended.meta.id, rule: recommended, rules: PRESET_OPTIONS }] }, noPhysicFilePath: true },
  });
  const messages = [...result.messages].sort((a, b) => a.range[0] - b.range[0]);
  for (const message of messages) {
    const isKey = message.ruleId === PRIVATE_KEY_RULE;
    if (isKey ? !want.privateKeys : !want.secrets) continue;
    if (take(isKey ? 'privateKeys' : 'secrets', message.ruleId.replace(PREFIX, ''), content.slice(message.range[0], message.range[1]), message.range[0])) return found;
  }
  if (want.privateKeys) {
    for (const cert of content.matchAll(CERTIFICATE)) if (take('privateKeys', 'pem-certificate', cert[0], cert.index)) return found;
  }
  if (want.secrets) {
    for (const jwt of content.matchAll(JWT)) if (jwt[1] && take('secrets', 'jwt', jwt[1], jwt.index)) return found;
    for (const generic of genericAssignments(content)) if (take('secrets', 'generic-api-key', generic.value, generic.offset)) return found;
  }
  return found;
}

/** gitleaks `pkcs12-file`/PEM: a certificate, a PKCS#7 bundle or an encrypted key block. */
const CERTIFICATE = /-----BEGIN (?:CERTIFICATE|TRUSTED CERTIFICATE|PKCS7|ENCRYPTED PRIVATE KEY|PGP PRIVATE KEY BLOCK)-----[\s\S]{16,}?-----END/g;

/** gitleaks `jwt`. */
const JWT = /\b(ey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9/\\_-]{17,}\.(?:[a-zA-Z0-9/\\_-]{10,}={0,2})?)(?:['"\n\r\s`;]|$)/g;

/** gitleaks `generic-api-key`: a secret-looking name assigned a value of 10–150 characters whose entropy is above 3.5 bits. */
const GENERIC = /(?:access|auth|(?:api|app)[_-]?key|credentials?|creds|passw(?:or)?d|secret|token)(?:[\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\s'"=]{0,5}([\w.=~@$&*!+/-]{10,150})(?:[\s'";`]|\\[nr]|$)/gi;

function* genericAssignments(content: string): Generator<{ value: string; offset: number }> {
  for (const match of content.matchAll(GENERIC)) {
    const value = match[1];
    if (value && entropy(value) > 3.5 && /\d/.test(value) && /[a-zA-Z]/.test(value)) yield { value, offset: match.index + match[0].lastIndexOf(value) };
  }
}

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
