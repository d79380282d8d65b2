import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { EffectivePolicy, GovernanceEventReport, HeldAction, HoldRequest } from '@paddock/protocol';
import selfsigned from 'selfsigned';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../governance/clock.js';
import type { GovernanceUplink } from '../../governance/decider.js';
import { PolicyDecider } from '../../governance/policyDecider.js';
import { DestinationError, isPublic, publicDestinations, type Destinations } from './destinations.js';
import { EgressCa } from './egressCa.js';
import { EgressProxy, HELD_STATUS } from './egressProxy.js';

const run = promisify(execFile);
const WS = 'ws-egress';
/** The test proxy reads bodies up to this before it refuses them (413). */
const BODY_LIMIT = 256 * 1024;
/** And holds this much of one workspace's bodies at once (503 above it). */
const BUFFER_BUDGET = 4 * 1024 * 1024;

/** The portal's side of the uplink, in memory. */
class RecordingUplink implements GovernanceUplink {
  events: GovernanceEventReport[] = [];
  holds: HoldRequest[] = [];
  report(event: GovernanceEventReport) { this.events.push(event); }
  hold(request: HoldRequest): Promise<HeldAction> {
    this.holds.push(request);
    return Promise.resolve({ id: `held-${this.holds.length}`, expiresAt: new Date(Date.now() + 300_000).toISOString() });
  }
}

function policy(over: Partial<EffectivePolicy> = {}): EffectivePolicy {
  return {
    mode: 'enforce',
    defaults: { llm_call: 'allow', bash_command: 'allow', file_write: 'allow', git_push: 'allow', http_request: 'deny' },
    rules: [
      { id: 'no-secret-path', class: 'http_request', match: { domain: 'api.allowed.test', path: '/secret/**' }, verdict: 'deny' },
      { id: 'allowed', class: 'http_request', match: { domain: '*.allowed.test' }, verdict: 'allow' },
      { id: 'ask-review', class: 'http_request', match: { domain: 'review.test' }, verdict: 'ask' },
    ],
    contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
    killSwitch: { engaged: false },
    holdTimeoutSeconds: 300,
    ...over,
  };
}

describe('the egress proxy', () => {
  let target: HttpServer;
  let tlsTarget: ReturnType<typeof createHttpsServer>;
  let trap: NetServer;
  let proxyListener: NetServer;
  let proxy: EgressProxy;
  let decider: PolicyDecider;
  let uplink: RecordingUplink;
  let ca: EgressCa;
  const caDir = mkdtempSync(join(tmpdir(), 'paddock-egress-proxy-'));
  const caBundle = join(caDir, 'workspace-ca.pem');
  const trapped: string[] = [];
  const tlsSeen: string[] = [];
  const gitRoot = mkdtempSync(join(tmpdir(), 'paddock-egress-git-'));
  const looked: string[] = [];
  let proxyUrl = '';
  let port = 0;
  let tlsPort = 0;
  let trapPort = 0;

  beforeAll(async () => {
    target = createHttpServer((req, res) => res.end(`target saw ${req.method} ${req.url} host=${req.headers.host} proxy-auth=${req.headers['proxy-authorization'] ?? 'none'}`));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    port = (target.address() as AddressInfo).port;
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'tls.allowed.test' }], {
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: ['tls.allowed.test', 'api.allowed.test', 'git.allowed.test'].map((value) => ({ type: 2 as const, value })) }],
    });
    // The upstream of every HTTPS test: says what it was asked; git's smart HTTP under /repo.git.
    tlsTarget = createHttpsServer({ key: pems.private, cert: pems.cert }, (req, res) => {
      if (req.url?.startsWith('/repo.git/')) return gitBackend(gitRoot, req, res);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        tlsSeen.push(`${req.method} ${req.url}`);
        res.end(`over tls: ${req.method} ${req.url} host=${req.headers.host} body=${Buffer.concat(chunks).length}`);
      });
    });
    await new Promise<void>((r) => tlsTarget.listen(0, '127.0.0.1', r));
    tlsPort = (tlsTarget.address() as AddressInfo).port;
    // Anything reaching it is a request that should never have left.
    trap = createNetServer((s) => { trapped.push('connection'); s.destroy(); });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    trapPort = (trap.address() as AddressInfo).port;

    // Test domains only, each to a loopback listener; what the proxy asked for is noted.
    const destinations: Destinations = {
      async resolve(domain) {
        looked.push(domain);
        if (domain.endsWith('.allowed.test') || domain === 'review.test') return { address: '127.0.0.1', family: 4 };
        if (domain === 'denied.test') return { address: '127.0.0.1', family: 4 };
        throw new DestinationError(`${domain} does not resolve`);
      },
    };
    uplink = new RecordingUplink();
    decider = new PolicyDecider({ uplink, clock: systemClock });
    ca = await EgressCa.open(join(caDir, 'egress-ca'));
    // The workspace's trust, as its environment names it: the CA alone (curl and git read these files by variable only).
    writeFileSync(caBundle, ca.certificatePem);
    proxy = new EgressProxy({ governance: decider, destinations, ca, upstreamCa: [pems.cert], bodyLimit: BODY_LIMIT, bufferBudget: BUFFER_BUDGET });
    // What the runtime does: connections to the workspace's socket handed over, tagged with the workspace.
    proxyListener = createNetServer((socket) => proxy.accept(WS, socket));
    await new Promise<void>((r) => proxyListener.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxyListener.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await proxy.closeAll();
    for (const s of [target, tlsTarget, trap, proxyListener]) s.close();
    for (const d of [caDir, gitRoot]) rmSync(d, { recursive: true, force: true });
  });
  beforeEach(() => {
    decider.setPolicy(WS, policy());
    trapped.length = 0;
    tlsSeen.length = 0;
    looked.length = 0;
    uplink.events.length = 0;
  });

  /** curl through the proxy: status, headers and body. Without `trusting`, it trusts any certificate (-k). */
  const curl = async (url: string, extra: string[] = [], trusting?: 'the workspace CA') => {
    const args = ['-s', '-i', '--max-time', '10', '-x', proxyUrl, ...(trusting ? [] : ['-k']), ...extra, url];
    // Trust as a workspace has it: by the variables its environment sets, nothing on the command line.
    const env = { ...process.env, CURL_CA_BUNDLE: caBundle, SSL_CERT_FILE: caBundle };
    const { stdout } = await run('curl', args, trusting ? { env } : {}).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    const [head = '', ...rest] = stdout.split('\r\n\r\n').filter((p) => !p.startsWith('HTTP/1.1 200 Connection Established'));
    return { status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(head)?.[1] ?? 0), head, body: rest.join('\r\n\r\n') };
  };

  it('forwards an allowed domain over plain HTTP, to the one address resolved, with the original host and without proxy credentials', async () => {
    const res = await curl(`http://api.allowed.test:${port}/ok?x=1`, ['-U', 'user:pass']);
    expect(res.status).toBe(200);
    expect(res.body).toBe(`target saw GET /ok?x=1 host=api.allowed.test:${port} proxy-auth=none`);
    expect(uplink.events).toMatchObject([{ workspaceId: WS, point: 'proxy', class: 'http_request', verdict: 'allow', enforced: true, ruleId: 'allowed' }]);
    expect(uplink.events[0]!.summary).toContain('api.allowed.test');
  });

  it('passes CONNECT through end to end (TLS it does not open) for a domain the policy passes through', async () => {
    decider.setPolicy(WS, policy({ passthrough: ['tls.allowed.test'] }));
    const res = await curl(`https://tls.allowed.test:${tlsPort}/`);
    expect(res.status).toBe(200);
    expect(res.body).toBe('over tls: GET / host=tls.allowed.test:' + tlsPort + ' body=0');
    expect(uplink.events[0]).toMatchObject({ class: 'http_request', verdict: 'allow', enforced: true });
  });

  it('refuses a denied domain before any lookup or connection, saying why, and records it', async () => {
    for (const url of [`http://denied.test:${trapPort}/`, `https://denied.test:${trapPort}/`]) {
      const res = await curl(url);
      expect(res.status, url).toBe(403);
    }
    const plain = await curl(`http://denied.test:${trapPort}/`);
    expect(plain.body).toMatch(/denied\.test/);
    expect(looked).toEqual([]);
    expect(trapped).toEqual([]);
    expect(uplink.events.every((e) => e.verdict === 'deny' && e.enforced)).toBe(true);
  });

  it('applies path rules to plain HTTP', async () => {
    expect((await curl(`http://api.allowed.test:${port}/secret/keys`)).status).toBe(403);
    expect((await curl(`http://api.allowed.test:${port}/public`)).status).toBe(200);
    expect(uplink.events[0]).toMatchObject({ verdict: 'deny', ruleId: 'no-secret-path' });
  });

  it('in monitor mode lets a denied domain through and records what enforce would have done', async () => {
    decider.setPolicy(WS, policy({ mode: 'monitor' }));
    const res = await curl(`http://denied.test:${port}/seen`);
    expect(res.status).toBe(200);
    expect(uplink.events).toMatchObject([{ verdict: 'deny', enforced: false }]);
  });

  it('answers a held request at once with its own status, a retry-after and the request id', async () => {
    for (const url of [`http://review.test:${trapPort}/`, `https://review.test:${trapPort}/`]) {
      const res = await curl(url);
      expect(res.status, url).toBe(HELD_STATUS);
      expect(res.head).toMatch(/retry-after: 10/i);
      expect(res.head).toMatch(/x-paddock-held-id: held-\d+/i);
    }
    expect(trapped).toEqual([]);
  });

  it('refuses a credential of the workspace in a URL (exfiltration)', async () => {
    decider.setCredentials(WS, ['sk-live-0123456789abcdefghij']);
    const res = await curl(`http://api.allowed.test:${port}/collect?k=sk-live-0123456789abcdefghij`);
    expect(res.status).toBe(403);
    expect(uplink.events[0]?.filter).toMatchObject({ filter: 'exfiltration' });
    expect(JSON.stringify(uplink.events)).not.toContain('sk-live-0123456789abcdefghij');
  });

  it('ends tunnels in flight and refuses new requests when the kill switch is engaged', async () => {
    // A tunnel held open to the trap-free TLS target: a raw CONNECT, left idle.
    const { connect } = await import('node:net');
    const socket = connect(Number(new URL(proxyUrl).port), '127.0.0.1');
    socket.on('error', () => { /* the proxy cuts it: that is the point */ });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`CONNECT tls.allowed.test:${tlsPort} HTTP/1.1\r\nhost: tls.allowed.test:${tlsPort}\r\n\r\n`);
    await new Promise<void>((r) => socket.once('data', (d) => { expect(d.toString()).toMatch(/^HTTP\/1\.1 200/); r(); }));
    const closed = new Promise<number>((r) => { const t0 = Date.now(); socket.once('close', () => r(Date.now() - t0)); });
    decider.setPolicy(WS, policy({ killSwitch: { engaged: true, reason: 'incident 42', scope: 'org' } }));
    expect(await closed).toBeLessThan(1000);
    const res = await curl(`http://api.allowed.test:${port}/ok`);
    expect(res.status).toBe(403);
    expect(res.body).toMatch(/incident 42/);
  });

  it('refuses what is not a proxy request, in plain words', async () => {
    const origin = await fetch(`${proxyUrl}/`);
    expect(origin.status).toBe(400);
    expect(await origin.text()).toMatch(/absolute http:\/\/ URLs/);
    const raw = async (text: string) => {
      const { connect } = await import('node:net');
      const s = connect(Number(new URL(proxyUrl).port), '127.0.0.1');
      s.on('error', () => { /* a refused request may end in a reset after its answer */ });
      s.write(text);
      return new Promise<string>((r) => { let out = ''; s.on('data', (d) => { out += d; }); s.once('close', () => r(out)); });
    };
    expect(await raw('CONNECT not a host HTTP/1.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw('CONNECT api.allowed.test HTTP/1.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(`GET http://user:pw@api.allowed.test:${port}/ HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(looked).toEqual([]);
  });
  describe('with TLS opened by the CA (inspected)', () => {
    const proxyPort = () => Number(new URL(proxyUrl).port);
    const api = () => `https://api.allowed.test:${tlsPort}`;

    /** A CONNECT, then a TLS handshake with the proxy trusting its CA, saying `servername`. */
    const tunnelTo = async (authority: string, servername: string | undefined) => {
      const { connect } = await import('node:net');
      const tls = await import('node:tls');
      const raw = connect(proxyPort(), '127.0.0.1');
      raw.on('error', () => { /* the proxy may cut it: some tests are about that */ });
      await new Promise<void>((r) => raw.once('connect', () => r()));
      raw.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n\r\n`);
      const answer = await new Promise<string>((r) => raw.once('data', (d) => r(d.toString())));
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      const secure = tls.connect({ socket: raw, ca: ca.certificatePem, ...(servername ? { servername } : {}) });
      return new Promise<import('node:tls').TLSSocket>((resolve, reject) => {
        secure.once('secureConnect', () => resolve(secure));
        secure.once('error', reject);
      });
    };
    /** Raw bytes into an open tunnel; everything the proxy answers until it closes. */
    const exchange = (secure: import('node:tls').TLSSocket, text: string) => new Promise<string>((r) => {
      let out = '';
      secure.on('data', (d) => { out += d; });
      secure.on('error', () => { /* a reset after the answer */ });
      secure.once('close', () => r(out));
      secure.write(text);
    });

    it('refuses a TLS handshake that names another host than the CONNECT (SNI), before anything is sent', async () => {
      await expect(tunnelTo(`api.allowed.test:${tlsPort}`, 'denied.test')).rejects.toThrow();
      expect(looked).toEqual([]);
      expect(uplink.events).toEqual([]);
    });

    it('refuses a request inside the tunnel for another host (421), an absolute or //host target, a second Host', async () => {
      const authority = `api.allowed.test:${tlsPort}`;
      const ask = async (head: string) => exchange(await tunnelTo(authority, 'api.allowed.test'), `${head}\r\nconnection: close\r\n\r\n`);
      expect(await ask(`GET /ok HTTP/1.1\r\nhost: denied.test:${trapPort}`)).toMatch(/^HTTP\/1\.1 421[^]*this tunnel goes to api\.allowed\.test/);
      expect(await ask(`GET /ok HTTP/1.1\r\nhost: api.allowed.test:${trapPort}`)).toMatch(/^HTTP\/1\.1 421/);
      expect(await ask(`GET http://denied.test:${trapPort}/ HTTP/1.1\r\nhost: ${authority}`)).toMatch(/^HTTP\/1\.1 400/);
      expect(await ask(`GET //denied.test:${trapPort}/ HTTP/1.1\r\nhost: ${authority}`)).toMatch(/^HTTP\/1\.1 400/);
      // URL parsing turns `/\\host` into `//host`: the request would go to the tunnel's address with another Host (fronting).
      expect(await ask(`GET /\\denied.test/ok HTTP/1.1\r\nhost: ${authority}`)).toMatch(/^HTTP\/1\.1 400/);
      expect(await ask(`GET /ok HTTP/1.1\r\nhost: ${authority}\r\nhost: denied.test`)).toMatch(/^HTTP\/1\.1 421/);
      expect(looked).toEqual([]);
      expect(trapped).toEqual([]);
      expect(tlsSeen).toEqual([]);
    });

    it('reads requests with Node\'s parser: a request smuggled behind a body never reaches upstream undecided', async () => {
      const authority = `api.allowed.test:${tlsPort}`;
      const smuggled = `GET /secret/keys HTTP/1.1\r\nhost: ${authority}\r\n\r\n`;
      // Content-Length and chunked at once: refused as a whole.
      const both = await exchange(await tunnelTo(authority, 'api.allowed.test'),
        `POST /ok HTTP/1.1\r\nhost: ${authority}\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`);
      expect(both).toMatch(/^HTTP\/1\.1 400/);
      // A well-framed pipeline: each request decided on its own, the second refused by its path rule.
      const pipelined = await exchange(await tunnelTo(authority, 'api.allowed.test'),
        `POST /ok HTTP/1.1\r\nhost: ${authority}\r\ncontent-length: 2\r\n\r\nhi${smuggled.replace('\r\n\r\n', '\r\nconnection: close\r\n\r\n')}`);
      expect(pipelined).toMatch(/^HTTP\/1\.1 200[^]*HTTP\/1\.1 403/);
      expect(tlsSeen).toEqual(['POST /ok']);
      expect(uplink.events.map((e) => [e.summary, e.verdict])).toEqual([[`POST api.allowed.test:${tlsPort}/ok`, 'allow'], [`GET api.allowed.test:${tlsPort}/secret/keys`, 'deny']]);
    });

    it('applies path rules inside HTTPS, trusting the CA by the environment alone, each request its own event', async () => {
      const ok = await curl(`${api()}/ok`, [], 'the workspace CA');
      expect(ok.status).toBe(200);
      expect(ok.body).toBe(`over tls: GET /ok host=api.allowed.test:${tlsPort} body=0`);
      const secret = await curl(`${api()}/secret/keys`, [], 'the workspace CA');
      expect(secret.status).toBe(403);
      expect(secret.body).toMatch(/no-secret-path/);
      expect(tlsSeen).toEqual(['GET /ok']);
      expect(uplink.events).toMatchObject([
        { class: 'http_request', verdict: 'allow', ruleId: 'allowed', summary: `GET api.allowed.test:${tlsPort}/ok` },
        { class: 'http_request', verdict: 'deny', ruleId: 'no-secret-path', summary: `GET api.allowed.test:${tlsPort}/secret/keys` },
      ]);
    });

    it('decides every request of a kept-alive tunnel', async () => {
      const { stdout } = await run('curl', ['-s', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', '--max-time', '10', '-x', proxyUrl, '-w', '%{http_code} %{num_connects}\\n',
        `${api()}/ok`, `${api()}/secret/x`, `${api()}/ok`], { env: { ...process.env, CURL_CA_BUNDLE: caBundle } });
      // One tunnel (the later transfers make no new connection), three decisions.
      expect(stdout).toBe('200 1\n403 0\n200 0\n');
      expect(uplink.events.map((e) => e.verdict)).toEqual(['allow', 'deny', 'allow']);
    });

    it('answers a held or a denied domain inside the tunnel with a readable answer, before any lookup', async () => {
      const held = await curl(`https://review.test:${trapPort}/`, [], 'the workspace CA');
      expect(held.status).toBe(HELD_STATUS);
      expect(held.head).toMatch(/x-paddock-held-id: held-\d+/i);
      const denied = await curl(`https://denied.test:${trapPort}/`, [], 'the workspace CA');
      expect(denied.status).toBe(403);
      expect(denied.body).toMatch(/denied\.test/);
      expect(looked).toEqual([]);
      expect(trapped).toEqual([]);
    });

    it('inspects a CONNECT to an IP address with a leaf for that address, decided like a name', async () => {
      const res = await curl(`https://127.0.0.1:${trapPort}/`, [], 'the workspace CA');
      expect(res.status).toBe(403);
      expect(uplink.events).toMatchObject([{ verdict: 'deny', summary: `GET 127.0.0.1:${trapPort}/` }]);
      expect(trapped).toEqual([]);
    });

    it('blocks a secret in a request body, encoded or not, and sends none of it', async () => {
      const secret = `aws_access_key_id = AKIA${'QWERTYUIOPASDFGH'}\n`;
      const plain = await curl(`${api()}/ok`, ['--data-binary', secret], 'the workspace CA');
      expect(plain.status).toBe(403);
      expect(plain.body).toMatch(/secret \(aws/);
      const { gzipSync } = await import('node:zlib');
      const gz = join(caDir, 'body.gz');
      writeFileSync(gz, gzipSync(secret));
      const zipped = await curl(`${api()}/ok`, ['--data-binary', `@${gz}`, '-H', 'content-encoding: gzip'], 'the workspace CA');
      expect(zipped.status).toBe(403);
      // The workspace's own credential, in a body to a domain it may reach: exfiltration.
      decider.setCredentials(WS, ['sk-live-0123456789abcdefghij']);
      const own = await curl(`${api()}/ok`, ['--data-binary', '{"k":"sk-live-0123456789abcdefghij"}'], 'the workspace CA');
      expect(own.status).toBe(403);
      decider.setCredentials(WS, []);
      expect(tlsSeen).toEqual([]);
      expect(looked).toEqual([]);
      expect(uplink.events.map((e) => e.filter?.filter)).toEqual(['secrets', 'secrets', 'exfiltration']);
      expect(JSON.stringify(uplink.events)).not.toMatch(/QWERTYUIOPASDFGH|sk-live-0123456789abcdefghij/);
    });

    it('refuses a large encoded payload to a domain no rule allows (default allow, or held), sends it to one a rule allows', async () => {
      const blobFile = join(caDir, 'blob.b64');
      writeFileSync(blobFile, randomBytes(64 * 1024).toString('base64'));
      const post = (file: string) => curl(`${api()}/upload`, ['--data-binary', `@${file}`], 'the workspace CA');
      const explicit = policy().rules.filter((r) => r.id !== 'allowed');
      // api.allowed.test by the default (allow), and by an ask rule: refused, nothing sent or held.
      decider.setPolicy(WS, policy({ rules: explicit, defaults: { ...policy().defaults, http_request: 'allow' } }));
      const byDefault = await post(blobFile);
      expect(byDefault.status).toBe(403);
      expect(byDefault.body).toMatch(/large encoded payload/);
      decider.setPolicy(WS, policy({ rules: [{ id: 'hold-api', class: 'http_request', match: { domain: 'api.allowed.test' }, verdict: 'ask' }] }));
      expect((await post(blobFile)).status).toBe(403);
      expect(tlsSeen).toEqual([]);
      expect(looked).toEqual([]);
      expect(uplink.events).toMatchObject([0, 1].map(() => ({ verdict: 'deny', enforced: true, filter: { filter: 'exfiltration', rule: 'large-encoded-payload' } })));
      // Ordinary JSON and a lockfile to the same default-allowed domain go through; a JWT is the secrets filter's (jwt), not this one's.
      decider.setPolicy(WS, policy({ rules: explicit, defaults: { ...policy().defaults, http_request: 'allow' } }));
      const jwt = `${Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"u1","exp":1900000000}').toString('base64url')}.${randomBytes(256).toString('base64url')}`;
      const lockFile = join(caDir, 'package-lock.json');
      writeFileSync(lockFile, JSON.stringify({ lockfileVersion: 3, packages: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`node_modules/p${i}`, { version: '1.0.0', integrity: `sha512-${randomBytes(64).toString('base64')}` }])) }));
      expect((await curl(`${api()}/ok`, ['--data-binary', JSON.stringify({ rows: Array.from({ length: 500 }, (_, i) => ({ id: i, name: `row ${i}` })) })], 'the workspace CA')).status).toBe(200);
      expect((await curl(`${api()}/ok`, ['--data-binary', `@${lockFile}`], 'the workspace CA')).status).toBe(200);
      await curl(`${api()}/ok`, ['--data-binary', `{"token":"${jwt}"}`], 'the workspace CA');
      expect(uplink.events.slice(2).map((e) => e.filter?.rule)).toEqual([undefined, undefined, 'jwt']);
      // The blob itself to a domain a rule allows: sent whole.
      decider.setPolicy(WS, policy());
      const allowed = await post(blobFile);
      expect(allowed.status).toBe(200);
      expect(allowed.body).toMatch(/body=\d{5,}/);
      expect(uplink.events.at(-1)).toMatchObject({ verdict: 'allow', ruleId: 'allowed' });
      expect(uplink.events.at(-1)?.filter).toBeUndefined();
    });

    it('in monitor mode sends a large encoded payload and records what enforce would have done', async () => {
      const blobFile = join(caDir, 'blob-monitor.b64');
      writeFileSync(blobFile, randomBytes(64 * 1024).toString('base64'));
      decider.setPolicy(WS, policy({ mode: 'monitor', rules: policy().rules.filter((r) => r.id !== 'allowed'), defaults: { ...policy().defaults, http_request: 'allow' } }));
      expect((await curl(`${api()}/upload`, ['--data-binary', `@${blobFile}`], 'the workspace CA')).status).toBe(200);
      expect(uplink.events).toMatchObject([{ verdict: 'deny', enforced: false, filter: { filter: 'exfiltration', rule: 'large-encoded-payload', masked: expect.stringMatching(/^.{4}\*\*\*$/) } }]);
    });

    it('refuses a body over its limit (413) and sends none of it; a body under it goes whole', async () => {
      const big = join(caDir, 'big.bin');
      writeFileSync(big, Buffer.alloc(BODY_LIMIT + 1, 'a'));
      const over = await curl(`${api()}/ok`, ['--data-binary', `@${big}`], 'the workspace CA');
      expect(over.status).toBe(413);
      writeFileSync(big, Buffer.alloc(BODY_LIMIT, 'a'));
      const under = await curl(`${api()}/ok`, ['--data-binary', `@${big}`, '-H', 'transfer-encoding: chunked'], 'the workspace CA');
      expect(under.body).toBe(`over tls: POST /ok host=api.allowed.test:${tlsPort} body=${BODY_LIMIT}`);
      expect(tlsSeen).toEqual(['POST /ok']);
    });

    it("holds no more of a workspace's bodies at once than its budget (503, retry), and gives it back when a request ends", async () => {
      const authority = `git.allowed.test:${tlsPort}`;
      // A push that sends most of the budget and then waits.
      const slow = await tunnelTo(authority, 'git.allowed.test');
      slow.on('error', () => { /* ended below */ });
      slow.write(`POST /repo.git/git-receive-pack HTTP/1.1\r\nhost: ${authority}\r\ncontent-length: ${8 << 20}\r\n\r\n`);
      slow.write(Buffer.alloc(BUFFER_BUDGET - 100 * 1024, 0x30));
      const small = join(caDir, 'small.bin');
      writeFileSync(small, Buffer.alloc(200 * 1024, 'b'));
      let status = 0;
      for (let i = 0; i < 50 && status !== 503; i++) {
        status = (await curl(`${api()}/ok`, ['--data-binary', `@${small}`], 'the workspace CA')).status;
        if (status !== 503) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(503);
      slow.destroy();
      await new Promise((r) => setTimeout(r, 100));
      expect((await curl(`${api()}/ok`, ['--data-binary', `@${small}`], 'the workspace CA')).status).toBe(200);
    });

    it('passes a passthrough domain end to end: decided on the domain, its own certificate shown', async () => {
      decider.setPolicy(WS, policy({ passthrough: ['*.allowed.test'] }));
      // Trusting only the workspace CA, the upstream's own certificate does not verify: the proxy did not open it.
      expect((await curl(`${api()}/secret/keys`, [], 'the workspace CA')).status).toBe(0);
      const res = await curl(`${api()}/secret/keys`);
      expect(res.status).toBe(200);
      expect(uplink.events.map((e) => e.summary)).toEqual([`CONNECT api.allowed.test:${tlsPort}/`, `CONNECT api.allowed.test:${tlsPort}/`]);
    });

    it('sees a git push over HTTPS as git_push events with the remote and ref, holds a force push, and tells a deletion', async () => {
      decider.setPolicy(WS, policy({ rules: [{ id: 'force-ask', class: 'git_push', match: { force: true }, verdict: 'ask' }, ...policy().rules] }));
      const home = mkdtempSync(join(tmpdir(), 'paddock-egress-git-home-'));
      // git as a workspace runs it: the proxy and the CA from the environment, no config of its own.
      const env = {
        ...process.env, HOME: home, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0',
        HTTPS_PROXY: proxyUrl, https_proxy: proxyUrl, GIT_SSL_CAINFO: caBundle,
        GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t',
      };
      const git = (cwd: string, ...args: string[]) => run('git', ['-C', cwd, ...args], { env }).then((r) => r.stdout.trim());
      const tryGit = (cwd: string, ...args: string[]) => run('git', ['-C', cwd, ...args], { env }).then(() => 0, (err: { code?: number }) => err.code ?? 1);
      const bare = join(gitRoot, 'repo.git');
      await run('git', ['init', '-q', '--bare', bare], { env });
      await run('git', ['-C', bare, 'config', 'http.receivepack', 'true'], { env });
      const work = join(home, 'work');
      await run('git', ['init', '-q', '-b', 'main', work], { env });
      const commit = async (text: string) => {
        writeFileSync(join(work, 'file.txt'), text);
        await git(work, 'add', 'file.txt');
        await git(work, 'commit', '-q', '-m', text);
        return git(work, 'rev-parse', 'HEAD');
      };
      const remote = `https://git.allowed.test:${tlsPort}/repo.git`;
      const serverMain = () => run('git', ['-C', bare, 'rev-parse', 'refs/heads/main'], { env }).then((r) => r.stdout.trim(), () => '');
      const pushes = () => uplink.events.filter((e) => e.class === 'git_push').map((e) => [e.summary, e.verdict]);
      try {
        await commit('one');
        expect(await tryGit(work, 'push', '-q', remote, 'main')).toBe(0);
        const two = await commit('two');
        expect(await tryGit(work, 'push', '-q', remote, 'main')).toBe(0);
        expect(await serverMain()).toBe(two);
        expect(pushes()).toEqual([[`git push to ${remote} refs/heads/main`, 'allow'], [`git push to ${remote} refs/heads/main`, 'allow']]);
        // Over git's post buffer (1 MiB): it probes with a flush first, then sends the pack chunked.
        writeFileSync(join(work, 'big.bin'), randomBytes(3 * 1024 * 1024));
        await git(work, 'add', 'big.bin');
        await git(work, 'commit', '-q', '-m', 'big');
        const big = await git(work, 'rev-parse', 'HEAD');
        expect(await tryGit(work, 'push', '-q', remote, 'main')).toBe(0);
        expect(await serverMain()).toBe(big);
        await git(work, 'reset', '-q', '--hard', two);
        await run('git', ['-C', bare, 'update-ref', 'refs/heads/main', two], { env });
        // Each request of git's smart HTTP is an event too.
        expect(uplink.events.some((e) => e.class === 'http_request' && e.summary === `POST git.allowed.test:${tlsPort}/repo.git/git-receive-pack`)).toBe(true);

        uplink.events.length = 0;
        await git(work, 'commit', '-q', '--amend', '-m', 'two, rewritten');
        expect(await tryGit(work, 'push', '-q', '--force', remote, 'main')).not.toBe(0);
        expect(await serverMain()).toBe(two);
        expect(pushes()).toEqual([[`git push --force to ${remote} refs/heads/main`, 'ask']]);
        expect(uplink.events.find((e) => e.class === 'git_push')?.heldId).toMatch(/^held-/);

        uplink.events.length = 0;
        await git(work, 'reset', '-q', '--hard', two);
        expect(await tryGit(work, 'push', '-q', remote, 'main:topic')).toBe(0);
        expect(await tryGit(work, 'push', '-q', remote, ':topic')).toBe(0);
        expect(pushes()).toEqual([[`git push to ${remote} refs/heads/topic`, 'allow'], [`git push --delete to ${remote} refs/heads/topic`, 'allow']]);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });

    it("checks the upstream's certificate for the domain the policy decided on, and says so when it doesn't verify", async () => {
      // The upstream's certificate names tls/api/git.allowed.test, not this one.
      const res = await curl(`https://other.allowed.test:${tlsPort}/ok`, [], 'the workspace CA');
      expect(res.status).toBe(502);
      expect(res.body).toMatch(/other\.allowed\.test:\d+'s certificate could not be verified \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
      expect(tlsSeen).toEqual([]);
    });

    it('ends an inspected tunnel within a second when the kill switch is engaged', async () => {
      const secure = await tunnelTo(`api.allowed.test:${tlsPort}`, 'api.allowed.test');
      const closed = new Promise<number>((r) => { const t0 = Date.now(); secure.once('close', () => r(Date.now() - t0)); });
      secure.on('error', () => { /* cut */ });
      decider.setPolicy(WS, policy({ killSwitch: { engaged: true, reason: 'incident 43', scope: 'org' } }));
      expect(await closed).toBeLessThan(1000);
      // A new tunnel is refused at its CONNECT (curl shows no body of a refused CONNECT).
      expect((await curl(`${api()}/ok`, [], 'the workspace CA')).status).toBe(403);
    });
  });
});

describe('where the egress proxy may connect', () => {
  it('connects to public unicast addresses only', () => {
    for (const a of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '8.8.8.8']) expect(isPublic(a), a).toBe(true);
    for (const a of ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
      '255.255.255.255', '224.0.0.1', '::1', '::', 'fe80::1', 'fc00::1', 'fd12::1', '::ffff:127.0.0.1', '::ffff:8.8.8.8', '2002:7f00:1::1', '64:ff9b::7f00:1', 'not-an-ip']) {
      expect(isPublic(a), a).toBe(false);
    }
  });

  it('refuses a name or a literal that lands on this host or its network, naming the address', async () => {
    for (const host of ['localhost', '127.0.0.1', '[::1]', '169.254.169.254', '10.0.0.8']) {
      await expect(publicDestinations.resolve(host), host).rejects.toThrow(/never connects to/);
    }
    await expect(publicDestinations.resolve('name.invalid')).rejects.toThrow(/does not resolve/);
    expect(await publicDestinations.resolve('93.184.216.34')).toEqual({ address: '93.184.216.34', family: 4 });
  });
});

/** git's smart HTTP, served by the real git-http-backend (a CGI) over `root`; pushes allowed. */
function gitBackend(root: string, req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
  const url = new URL(req.url ?? '/', 'https://git.test');
  const child = spawn('/usr/lib/git-core/git-http-backend', [], {
    env: {
      GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: '1', PATH_INFO: url.pathname, QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET', CONTENT_TYPE: req.headers['content-type'] ?? '', REMOTE_USER: 'test', REMOTE_ADDR: '127.0.0.1',
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
    },
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let started = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (started) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    started = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString().split('\r\n')) {
      const [name, ...rest] = line.split(':');
      const value = rest.join(':').trim();
      if (name!.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
      else res.setHeader(name!, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  child.stdout.on('end', () => res.end());
}
