import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import selfsigned from 'selfsigned';
import { restrictToOwner } from '../ownerOnly.js';
import { systemClock } from '../clock.js';

export interface TlsMaterial { cert: string; key: string }

/**
 * The tunnel's TLS certificate. Embedded mode generates a self-signed one on first
 * start (valid for localhost) and agents pin it by reading tunnel-cert.pem.
 * Production passes its own cert and key (PADDOCK_TUNNEL_TLS_CERT / _KEY).
 */
export async function ensureTlsMaterial(dir: string, hosts: string[] = ['localhost']): Promise<TlsMaterial> {
  const certPath = join(dir, 'tunnel-cert.pem');
  const keyPath = join(dir, 'tunnel-key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    restrictToOwner(dir);
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'paddock-tunnel' }], {
    // Real time, not an injected clock: whoever checks the certificate uses theirs.
    notAfterDate: new Date(systemClock.now().getTime() + 10 * 365 * 24 * 3600 * 1000),
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [...hosts.map((h) => ({ type: 2 as const, value: h })), { type: 7 as const, ip: '127.0.0.1' }] },
    ],
  });
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  // The certificate is public, but the portal's files are its own user's only; an
  // embedded agent runs as the same user, and others are handed a copy.
  writeFileSync(certPath, pems.cert, { mode: 0o600 });
  return { cert: pems.cert, key: pems.private };
}
