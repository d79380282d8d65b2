import { randomBytes, webcrypto } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { systemClock, type Clock } from '../../clock.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/**
 * Where a sandbox finds the CA: the certificate alone (NODE_EXTRA_CA_CERTS adds
 * it to Node's roots) and a bundle of the host's roots with it (SSL_CERT_FILE,
 * GIT_SSL_CAINFO, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE replace the roots, and a
 * domain passed through still shows its own certificate).
 */
export const SANDBOX_EGRESS_CA = '/opt/paddock/egress/ca.pem';
export const SANDBOX_EGRESS_CA_BUNDLE = '/opt/paddock/egress/ca-bundle.pem';

/** The environment that has a workspace's tools trust the CA. */
export const egressCaEnv: Record<string, string> = {
  NODE_EXTRA_CA_CERTS: SANDBOX_EGRESS_CA,
  SSL_CERT_FILE: SANDBOX_EGRESS_CA_BUNDLE,
  GIT_SSL_CAINFO: SANDBOX_EGRESS_CA_BUNDLE,
  REQUESTS_CA_BUNDLE: SANDBOX_EGRESS_CA_BUNDLE,
  CURL_CA_BUNDLE: SANDBOX_EGRESS_CA_BUNDLE,
};

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const CA_KEY_FILE = 'ca-key.pem';
const CA_CERT_FILE = 'ca-cert.pem';
const DAY_MS = 24 * 3600 * 1000;
/** Leaf certificates kept at once; the least recently used goes first. */
const LEAF_CACHE_MAX = 1000;
/** A leaf is valid a week and made again after a day, so none a client holds is near its end. */
const LEAF_VALID_MS = 7 * DAY_MS;
const LEAF_RENEW_MS = DAY_MS;

/**
 * The egress proxy's interception CA: made by the agent on its first start and
 * kept in its data dir (`<dataDir>/egress-ca`, the key 0600 in a 0700
 * directory). The key never leaves the agent; workspaces get the certificate
 * only (bound read-only, named by NODE_EXTRA_CA_CERTS, SSL_CERT_FILE,
 * GIT_SSL_CAINFO, REQUESTS_CA_BUNDLE). Leaf certificates are made per host on
 * demand, one key pair for all of them (in memory only), and cached with a bound.
 *
 * The CA certificate carries a key identifier and each leaf the matching
 * authority key identifier: OpenSSL's strict verification (Python 3.13's
 * default) wants both.
 */
export class EgressCa {
  private readonly leaves = new Map<string, { at: number; context: Promise<SecureContext> }>();
  private leafKeys: Promise<{ keys: CryptoKeyPair; pem: string }> | undefined;

  private constructor(
    readonly certificatePem: string,
    private readonly certificate: x509.X509Certificate,
    private readonly key: CryptoKey,
    private readonly clock: Clock,
  ) {}

  /** Opens the CA in `dir`, making it on the first start. */
  static async open(dir: string, clock: Clock = systemClock): Promise<EgressCa> {
    if (!existsSync(join(dir, CA_KEY_FILE))) await create(dir, clock.now().getTime());
    const certificatePem = readFileSync(join(dir, CA_CERT_FILE), 'utf8');
    const keyPem = readFileSync(join(dir, CA_KEY_FILE), 'utf8');
    const key = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(keyPem), ALGORITHM, false, ['sign']);
    return new EgressCa(certificatePem, new x509.X509Certificate(certificatePem), key as CryptoKey, clock);
  }

  /** The TLS context the proxy answers `host` with: a leaf for exactly that name (or IP address), signed by the CA. */
  contextFor(host: string): Promise<SecureContext> {
    const now = this.clock.now().getTime();
    const cached = this.leaves.get(host);
    if (cached && now - cached.at < LEAF_RENEW_MS) {
      // Map order is insertion order: set again, it is the most recently used.
      this.leaves.delete(host);
      this.leaves.set(host, cached);
      return cached.context;
    }
    const context = this.makeLeaf(host, now);
    this.leaves.delete(host);
    this.leaves.set(host, { at: now, context });
    context.catch(() => this.leaves.delete(host));
    while (this.leaves.size > LEAF_CACHE_MAX) this.leaves.delete(this.leaves.keys().next().value!);
    return context;
  }

  /** How many leaves are cached (for the bound's test). */
  get cachedLeaves(): number {
    return this.leaves.size;
  }

  private async makeLeaf(host: string, now: number): Promise<SecureContext> {
    const { keys, pem } = await (this.leafKeys ??= leafKeyPair());
    const name = isIP(host) ? { type: 'ip' as const, value: host } : { type: 'dns' as const, value: host };
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: [{ CN: [isIP(host) ? host : host.slice(0, 64)] }],
      issuer: this.certificate.subject,
      // An hour back: a client whose clock is a little behind still accepts it.
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + LEAF_VALID_MS),
      signingAlgorithm: ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: this.key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([name]),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return createSecureContext({ key: pem, cert: `${leaf.toString('pem')}\n${this.certificatePem}` });
  }
}

async function create(dir: string, now: number): Promise<void> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    // Each agent's CA has a name of its own: a workspace's trust store says which agent made it.
    name: [{ CN: [`Paddock egress CA ${randomBytes(4).toString('hex')}`] }, { O: ['Paddock'] }],
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 10 * 365 * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      // It signs leaves only: no intermediate below it.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  // Made whole beside its place and moved there at once: a crash halfway leaves no CA without its key.
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { mode: 0o700 });
  writeFileSync(join(partial, CA_KEY_FILE), `${keyPem}\n`, { mode: 0o600 });
  writeFileSync(join(partial, CA_CERT_FILE), `${certificate.toString('pem')}\n`, { mode: 0o600 });
  chmodSync(partial, 0o700);
  try {
    renameSync(partial, dir);
  } catch (err) {
    // Another start made it first (or an empty directory is in the way): the one in place is the CA.
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(join(dir, CA_KEY_FILE))) throw err;
  }
}

async function leafKeyPair(): Promise<{ keys: CryptoKeyPair; pem: string }> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as CryptoKeyPair;
  const pem = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { keys, pem };
}

/** A positive 16-byte serial (RFC 5280 §4.1.2.2: positive, at most 20 octets). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}
