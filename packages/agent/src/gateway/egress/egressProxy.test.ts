import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { promisify } from 'node:util';
import type { EffectivePolicy, GovernanceEventReport, HeldAction, HoldRequest } from '@paddock/protocol';
import selfsigned from 'selfsigned';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../governance/clock.js';
import type { GovernanceUplink } from '../../governance/decider.js';
import { PolicyDecider } from '../../governance/policyDecider.js';
import { DestinationError, isPublic, publicDestinations, type Destinations } from './destinations.js';
import { EgressProxy, HELD_STATUS } from './egressProxy.js';

const run = promisify(execFile);
const WS = 'ws-egress';

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
  const trapped: string[] = [];
  const looked: string[] = [];
  let proxyUrl = '';
  let port = 0;
  let tlsPort = 0;
  let trapPort = 0;

  beforeAll(async () => {
    target = createHttpServer((req, res) => res.end(`target saw ${req.method} ${req.url} host=${req.headers.host} proxy-auth=${req.headers['proxy-authorization'] ?? 'none'}`));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    port = (target.address() as AddressInfo).port;
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'tls.allowed.test' }], { keySize: 2048 });
    tlsTarget = createHttpsServer({ key: pems.private, cert: pems.cert }, (_req, res) => res.end('over tls'));
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
    proxy = new EgressProxy({ governance: decider, destinations });
    // What the runtime does: connections to the workspace's socket handed over, tagged with the workspace.
    proxyListener = createNetServer((socket) => proxy.accept(WS, socket));
    await new Promise<void>((r) => proxyListener.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxyListener.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await proxy.closeAll();
    for (const s of [target, tlsTarget, trap, proxyListener]) s.close();
  });
  beforeEach(() => {
    decider.setPolicy(WS, policy());
    trapped.length = 0;
    looked.length = 0;
    uplink.events.length = 0;
  });

  /** curl through the proxy: status, headers and body. */
  const curl = async (url: string, extra: string[] = []) => {
    const { stdout } = await run('curl', ['-s', '-k', '-i', '--max-time', '10', '-x', proxyUrl, ...extra, url]).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
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

  it('passes CONNECT through end to end (TLS it does not open) for an allowed domain', async () => {
    const res = await curl(`https://tls.allowed.test:${tlsPort}/`);
    expect(res.status).toBe(200);
    expect(res.body).toBe('over tls');
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
