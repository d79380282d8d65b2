import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { EgressCa } from './egressCa.js';

const run = promisify(execFile);

describe('the egress CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-egress-ca-'));
  const servers: Server[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is made once, its key readable by the agent alone, and opened again as the same CA', async () => {
    const caDir = join(dir, 'egress-ca');
    const first = await EgressCa.open(caDir);
    expect(statSync(caDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(caDir, 'ca-key.pem')).mode & 0o777).toBe(0o600);
    expect(first.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(first.certificatePem).not.toMatch(/PRIVATE KEY/);
    const again = await EgressCa.open(caDir);
    expect(again.certificatePem).toBe(first.certificatePem);
  });

  it('signs a leaf per host that curl accepts with the CA alone, and only for that host', async () => {
    const ca = await EgressCa.open(join(dir, 'egress-ca'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.certificatePem);
    const context = await ca.contextFor('api.example.test');
    const server = createServer({ SNICallback: (_name, cb) => cb(null, context) }, (_req, res) => res.end('leaf ok'));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const curl = (host: string) => run('curl', ['-sS', '--cacert', caFile, '--resolve', `${host}:${port}:127.0.0.1`, `https://${host}:${port}/`])
      .then((r) => r.stdout, (err: { stderr?: string }) => `failed: ${err.stderr ?? ''}`);
    expect(await curl('api.example.test')).toBe('leaf ok');
    // The same leaf for another name: curl refuses it (the leaf names one host).
    expect(await curl('other.example.test')).toMatch(/^failed: .*(certificate|SSL)/i);
    // openssl's strict checks (Python 3.13's default) want the key identifiers.
    const { stdout } = await run('openssl', ['verify', '-x509_strict', '-CAfile', caFile, '-untrusted', caFile, await leafFile(ca, 'api.example.test', dir)]);
    expect(stdout).toMatch(/OK/);
  });

  it('keeps a bounded number of leaves, and the same one for a host while it is fresh', async () => {
    const ca = await EgressCa.open(join(dir, 'egress-ca'));
    const a = ca.contextFor('a.test');
    expect(ca.contextFor('a.test')).toBe(a);
    for (let i = 0; i < 1005; i++) void ca.contextFor(`h${i}.test`);
    expect(ca.cachedLeaves).toBe(1000);
    expect(ca.contextFor('a.test')).not.toBe(a);
    expect(readFileSync(join(dir, 'egress-ca', 'ca-cert.pem'), 'utf8')).toBe(ca.certificatePem);
  });
});

/** The leaf the CA serves for `host`, as a PEM file (read back from a TLS handshake). */
async function leafFile(ca: EgressCa, host: string, dir: string): Promise<string> {
  const { connect } = await import('node:tls');
  const context = await ca.contextFor(host);
  const server = createServer({ SNICallback: (_n, cb) => cb(null, context) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const der = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: host, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().raw);
      socket.destroy();
    });
    socket.on('error', reject);
  });
  server.close();
  const file = join(dir, `${host}.pem`);
  writeFileSync(file, `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`);
  return file;
}
