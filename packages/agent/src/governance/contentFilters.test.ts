import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scanContent } from './contentFilters.js';
import { findLargeEncodedPayload, LARGE_PAYLOAD_BYTES } from './encodedPayload.js';
import { credentialNeedles, findCredential, longestNeedle, RollingTails } from './exfiltration.js';
import { scanSecrets } from './secretScan.js';

const all = { secrets: true, privateKeys: true, exfiltration: true };
const upper = (n: number) => Array.from(randomBytes(n), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('');
const alnum = (n: number) => randomBytes(n * 2).toString('base64').replace(/[^a-zA-Z0-9]/g, '').slice(0, n);

describe('scanSecrets', () => {
  it('finds cloud, forge and AI provider keys, masked to 4 characters', async () => {
    const aws = `AKIA${upper(16)}`;
    expect(await scanSecrets(`aws_access_key_id = ${aws}\n`, { secrets: true, privateKeys: true })).toEqual({ filter: 'secrets', rule: 'aws', masked: 'AKIA***' });
    const gh = `ghp_${alnum(36)}`;
    expect(await scanSecrets(`token: ${gh}`, { secrets: true, privateKeys: false })).toMatchObject({ rule: 'github', masked: 'ghp_***' });
    const ant = `sk-ant-api03-${alnum(93)}AA`;
    expect(await scanSecrets(`key ${ant}`, { secrets: true, privateKeys: false })).toMatchObject({ rule: 'anthropic', masked: 'sk-a***' });
  });

  it('finds private keys and certificates', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    expect(await scanSecrets(`here:\n${privateKey}`, { secrets: false, privateKeys: true })).toMatchObject({ filter: 'privateKeys', rule: 'privatekey', masked: '----***' });
    const cert = `-----BEGIN CERTIFICATE-----\n${randomBytes(300).toString('base64')}\n-----END CERTIFICATE-----`;
    expect(await scanSecrets(cert, { secrets: false, privateKeys: true })).toMatchObject({ filter: 'privateKeys', rule: 'pem-certificate' });
    expect(await scanSecrets(privateKey, { secrets: true, privateKeys: false })).toBeUndefined();
  });

  it('finds JWTs and high-entropy assignments, not ordinary words', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'user-1234567890', name: 'Ada' })}.${alnum(43)}`;
    expect(await scanSecrets(`Authorization: Bearer ${jwt}\n`, { secrets: true, privateKeys: false })).toMatchObject({ rule: 'jwt', masked: 'eyJh***' });
    // A fixed value: a random one is sometimes below the rule's entropy threshold.
    expect(await scanSecrets('DB_PASSWORD="Xk8pQ2vLr7Tz4mNb"', { secrets: true, privateKeys: false })).toMatchObject({ rule: 'generic-api-key' });
    expect(await scanSecrets('password = "aaaaaaaaaaaa"\nthe token is in the jar', { secrets: true, privateKeys: true })).toBeUndefined();
    expect(await scanSecrets('Write a React app with a chart of sales per region.', { secrets: true, privateKeys: true })).toBeUndefined();
  });

  it('scans a large prompt in reasonable time', async () => {
    const prompt = 'const x = 1; // some ordinary code\n'.repeat(6000);
    const started = performance.now();
    expect(await scanSecrets(prompt + `AKIA${upper(16)}`, { secrets: true, privateKeys: true })).toMatchObject({ rule: 'aws' });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('exfiltration', () => {
  const secret = 'blueprint-db-pass-Zq81!x';
  const needles = credentialNeedles([secret, 'short', '3000']);

  it('ignores values too short to be credentials', () => {
    expect(needles.some((n) => n.text.includes('short'))).toBe(false);
  });

  it('finds the credential as is, URL-encoded, hex and base64 at any alignment', () => {
    expect(findCredential(needles, `GET /?p=${secret}`)).toEqual({ filter: 'exfiltration', rule: 'workspace-credential', masked: 'blue***' });
    expect(findCredential(needles, `q=${encodeURIComponent(secret)}`)?.rule).toBe('workspace-credential');
    expect(findCredential(needles, `x${encodeURIComponent(secret).replace('!', '%21').replace('-', '%2D')}`)?.rule).toBe('workspace-credential-urlencoded');
    expect(findCredential(needles, 'x=%ZZ%2')).toBeUndefined();
    expect(findCredential(needles, Buffer.from(secret).toString('hex').toUpperCase())?.rule).toBe('workspace-credential-hex');
    for (const prefix of ['', 'a', 'ab', 'abc', 'wrapped:']) {
      for (const encoding of ['base64', 'base64url'] as const) {
        const payload = Buffer.from(`${prefix}${secret}!trailer`).toString(encoding);
        expect(findCredential(needles, `data=${payload}`)?.rule, `${encoding} ${prefix}`).toBe('workspace-credential-base64');
      }
    }
    expect(findCredential(needles, 'nothing to see')).toBeUndefined();
  });

  it('finds a credential split across consecutive requests, and only once', () => {
    const tails = new RollingTails();
    const keep = longestNeedle(needles) - 1;
    const first = `body=${secret.slice(0, 10)}`;
    expect(findCredential(needles, first, tails.get('w1', 'http'))).toBeUndefined();
    tails.push('w1', 'http', first, keep);
    const second = `${secret.slice(10)}&more`;
    expect(findCredential(needles, second, tails.get('w1', 'http'))).toMatchObject({ rule: 'workspace-credential-split' });
    tails.push('w1', 'http', second, keep);
    expect(findCredential(needles, 'next request', tails.get('w1', 'http'))).toBeUndefined();
    expect(tails.get('w1', 'http').length).toBeLessThanOrEqual(keep);
    expect(tails.get('w2', 'http')).toBe('');
    tails.forget('w1');
    expect(tails.get('w1', 'http')).toBe('');
  });

  it('takes the workspace credential before the generic secret rules', async () => {
    const aws = `AKIA${upper(16)}`;
    expect(await scanContent(all, `k=${aws}`, { needles: credentialNeedles([aws]), tail: '' })).toMatchObject({ filter: 'exfiltration' });
    expect(await scanContent({ ...all, exfiltration: false }, `k=${aws}`, { needles: credentialNeedles([aws]), tail: '' })).toMatchObject({ filter: 'secrets' });
    expect(await scanContent({ secrets: false, privateKeys: false, exfiltration: false }, `k=${aws}`)).toBeUndefined();
  });
});

describe('large encoded payloads', () => {
  const blob = (bytes: number) => randomBytes(bytes);
  const large = { filter: 'exfiltration', rule: 'large-encoded-payload', masked: expect.stringMatching(/^.{4}\*\*\*$/) };

  it('finds one run of base64, base64url or hex that decodes to 4 KiB or more, wrapped or not', () => {
    expect(findLargeEncodedPayload(blob(64 * 1024).toString('base64'))).toEqual(large);
    expect(findLargeEncodedPayload(`{"data":"${blob(LARGE_PAYLOAD_BYTES).toString('base64url')}"}`)).toEqual(large);
    expect(findLargeEncodedPayload(`dump=${blob(LARGE_PAYLOAD_BYTES).toString('hex')}`)).toEqual(large);
    // `base64` wraps at 76, PEM at 64, `xxd -p` at 60; JSON escapes the line breaks and may escape the slashes.
    const wrapped = (text: string, width: number, sep: string) => text.match(new RegExp(`.{1,${width}}`, 'g'))!.join(sep);
    expect(findLargeEncodedPayload(wrapped(blob(8192).toString('base64'), 76, '\n'))).toEqual(large);
    expect(findLargeEncodedPayload(wrapped(blob(8192).toString('hex'), 60, '\r\n'))).toEqual(large);
    expect(findLargeEncodedPayload(JSON.stringify({ b: wrapped(blob(8192).toString('base64'), 64, '\n') }).replace(/\//g, '\\/'))).toEqual(large);
    // A form post spells + / = as escapes.
    expect(findLargeEncodedPayload(`f=${encodeURIComponent(blob(8192).toString('base64'))}`)).toEqual(large);
  });

  it('finds content that is mostly long runs adding up to 4 KiB: a blob cut into chunks', () => {
    const chunks = Array.from({ length: 8 }, () => blob(768).toString('base64'));
    expect(findLargeEncodedPayload(JSON.stringify({ parts: chunks }))).toEqual(large);
    // The same chunks inside as much ordinary text are not "mostly" encoded.
    const prose = 'The quarterly numbers for each region, as a table with totals. '.repeat(200);
    expect(findLargeEncodedPayload(JSON.stringify({ prose, parts: chunks.slice(0, 2) }))).toBeUndefined();
  });

  it('leaves ordinary content alone: JSON, a JWT, lockfile integrity, ids, form text, paths, a short blob, padding', () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: 'user-1234567890', scope: 'read write', exp: 1_900_000_000 })}.${blob(256).toString('base64url')}`;
    const lock = JSON.stringify({ packages: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`node_modules/pkg-${i}`, {
      version: `1.${i}.0`, resolved: `https://registry.npmjs.org/pkg-${i}/-/pkg-${i}-1.${i}.0.tgz`, integrity: `sha512-${blob(64).toString('base64')}`,
    }])) }, null, 2);
    const ids = JSON.stringify(Array.from({ length: 400 }, () => crypto.randomUUID()));
    const digests = JSON.stringify({ layers: Array.from({ length: 100 }, () => ({ digest: `sha256:${blob(32).toString('hex')}`, size: 1234 })) });
    const form = `comment=${'the+quick+brown+fox+jumps+over+the+lazy+dog+'.repeat(300)}`;
    const path = `/${'segment/'.repeat(2000)}`;
    const cases = {
      json: JSON.stringify({ model: 'x', messages: Array.from({ length: 200 }, (_, i) => ({ role: 'user', content: `Row ${i}: sales in region ${i % 7}` })) }),
      jwt: `Authorization: Bearer ${jwt}`, lock, ids, digests, form, path,
      short: blob(3000).toString('base64'),
      padding: 'A'.repeat(100_000),
      zeros: '0'.repeat(100_000),
      kebab: `${'some-long-kebab-case-name-'.repeat(400)}`,
    };
    for (const [name, content] of Object.entries(cases)) expect(findLargeEncodedPayload(content), name).toBeUndefined();
  });

  it('reads an 8 MiB body in reasonable time', () => {
    const body = blob(6 * 1024 * 1024).toString('base64');
    const started = performance.now();
    expect(findLargeEncodedPayload(`${'{"a":1},'.repeat(100_000)}${body}`)).toEqual(large);
    expect(findLargeEncodedPayload(`f=${encodeURIComponent(body)}`)).toEqual(large);
    expect(performance.now() - started).toBeLessThan(4000);
  });

  it('is scanned only when asked (a domain no rule allows) and the exfiltration filter is on', async () => {
    const payload = blob(8192).toString('base64');
    expect(await scanContent(all, payload, undefined, { encodedPayloads: true })).toMatchObject({ rule: 'large-encoded-payload' });
    expect(await scanContent(all, payload)).toBeUndefined();
    expect(await scanContent({ ...all, exfiltration: false }, payload, undefined, { encodedPayloads: true })).toBeUndefined();
  });
});
