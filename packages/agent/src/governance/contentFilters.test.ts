import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scanContent } from './contentFilters.js';
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
    expect(await scanSecrets(`DB_PASSWORD="${alnum(12)}9xQ"`, { secrets: true, privateKeys: false })).toMatchObject({ rule: 'generic-api-key' });
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
