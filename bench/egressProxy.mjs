// The egress proxy's added latency, against the same upstream reached directly in the same run:
// (1) plain HTTP GETs on one kept-alive connection, direct and through the proxy (absolute-form,
// decided per request); (2) HTTPS, a new connection per request as curl or git make them, direct
// (TLS to the upstream) and through the proxy (CONNECT, TLS opened with the agent's CA for the
// CONNECT host, the request decided, a second TLS to the upstream). The proxy runs in the bench
// process with the agent's real decider (enforce mode, an allow rule for the bench domain) and a
// test resolver that maps the bench domain to loopback, as the proxy's tests do.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { connect as netConnect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import selfsigned from 'selfsigned';
import { EgressCa } from '../packages/agent/dist/gateway/egress/egressCa.js';
import { EgressProxy } from '../packages/agent/dist/gateway/egress/egressProxy.js';
import { PolicyDecider } from '../packages/agent/dist/governance/policyDecider.js';
import { systemClock } from '../packages/agent/dist/governance/clock.js';
import { nowMs, summary } from './lib/stats.mjs';

const DOMAIN = 'bench.allowed.test';
const WS = 'bench';
const policy = {
  mode: 'enforce',
  defaults: { llm_call: 'allow', bash_command: 'allow', file_write: 'allow', git_push: 'allow', http_request: 'deny' },
  rules: [{ id: 'bench', class: 'http_request', match: { domain: DOMAIN }, verdict: 'allow' }],
  contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
  killSwitch: { engaged: false },
  holdTimeoutSeconds: 300,
};
const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

/** Resolves with the response body once it has all arrived; rejects on anything but 200. */
function collect(req, body) {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`status ${res.statusCode}: ${Buffer.concat(chunks)}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A CONNECT through the proxy, then TLS over the tunnel trusting `ca` for `DOMAIN`. */
function tunnelTls(proxyPort, upstreamPort, ca) {
  return new Promise((resolve, reject) => {
    const raw = netConnect(proxyPort, '127.0.0.1', () => raw.write(`CONNECT ${DOMAIN}:${upstreamPort} HTTP/1.1\r\nHost: ${DOMAIN}:${upstreamPort}\r\n\r\n`));
    raw.once('error', reject);
    let head = '';
    const onData = (chunk) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      raw.off('data', onData);
      if (!/^HTTP\/1\.[01] 200/.test(head)) { raw.destroy(); reject(new Error(`CONNECT answered ${head.split('\r\n')[0]}`)); return; }
      const tls = tlsConnect({ socket: raw, servername: DOMAIN, ca }, () => resolve(tls));
      tls.once('error', reject);
    };
    raw.on('data', onData);
  });
}

async function sample(n, warmup, fn) {
  const out = [];
  for (let i = 0; i < warmup + n; i++) {
    const t0 = nowMs();
    await fn();
    if (i >= warmup) out.push(nowMs() - t0);
  }
  return summary(out);
}

export async function runEgressProxy({ warmup = 30, samples = 300 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-bench-egress-'));
  const pems = await selfsigned.generate([{ name: 'commonName', value: DOMAIN }], {
    keySize: 2048, extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: DOMAIN }] }],
  });
  const answer = (req, res) => res.end(`ok ${req.url}`);
  const upstream = createHttpServer(answer);
  const tlsUpstream = createHttpsServer({ key: pems.private, cert: pems.cert }, answer);
  const ca = await EgressCa.open(join(dir, 'egress-ca'));
  const decider = new PolicyDecider({ uplink: { report() {}, hold: () => Promise.reject(new Error('no holds in the bench')) }, clock: systemClock });
  decider.setPolicy(WS, policy);
  const destinations = {
    async resolve(domain) {
      if (domain === DOMAIN) return { address: '127.0.0.1', family: 4 };
      throw new Error(`${domain} does not resolve`);
    },
  };
  const proxy = new EgressProxy({ governance: decider, destinations, ca, upstreamCa: [pems.cert] });
  const proxyListener = createNetServer((socket) => proxy.accept(WS, socket));
  try {
    const port = await listen(upstream);
    const tlsPort = await listen(tlsUpstream);
    const proxyPort = await listen(proxyListener);
    const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const httpDirect = await sample(samples, warmup, () => collect(httpRequest({ host: '127.0.0.1', port, path: '/x', agent: keepAlive })));
    const viaProxy = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const httpProxied = await sample(samples, warmup, () => collect(httpRequest({
      host: '127.0.0.1', port: proxyPort, path: `http://${DOMAIN}:${port}/x`, headers: { host: `${DOMAIN}:${port}` }, agent: viaProxy,
    })));
    keepAlive.destroy();
    viaProxy.destroy();
    const tlsSamples = Math.max(20, Math.floor(samples / 3));
    const httpsDirect = await sample(tlsSamples, warmup, () => collect(httpsRequest({
      host: '127.0.0.1', port: tlsPort, servername: DOMAIN, path: '/x', ca: pems.cert, agent: false, headers: { host: `${DOMAIN}:${tlsPort}` },
    })));
    const httpsProxied = await sample(tlsSamples, warmup, async () => {
      const tls = await tunnelTls(proxyPort, tlsPort, ca.certificatePem);
      await collect(httpRequest({ createConnection: () => tls, path: '/x', headers: { host: `${DOMAIN}:${tlsPort}`, connection: 'close' } }));
    });
    return { warmup, httpDirect, httpProxied, httpsDirect, httpsProxied };
  } finally {
    await proxy.closeAll();
    for (const s of [proxyListener, upstream, tlsUpstream]) s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function egressProxyReport(r, { fmt, ratio }, L) {
  const ms = (v) => `${fmt(v, 2)} ms`;
  L('## 7. Egress proxy');
  L();
  L('Method: the agent\'s egress proxy in the bench process with its real decider (enforce mode, an allow rule for the bench domain, content filters on) and a resolver that maps the bench domain to loopback. ' +
    `HTTP: ${r.httpDirect.n} GETs on one kept-alive connection, direct to the upstream and through the proxy (each request decided). ` +
    `HTTPS: ${r.httpsDirect.n} GETs, a new connection each as curl and git make them: direct TLS to the upstream, and through the proxy (CONNECT, TLS answered with a leaf of the agent's CA, the request decided, TLS to the upstream). ${r.warmup} warm-up each.`);
  L();
  L('| figure | direct p50 | direct p99 | proxied p50 | proxied p99 | ratio p50 | ratio p99 | added p50 |');
  L('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [label, d, p] of [['HTTP GET, kept alive', r.httpDirect, r.httpProxied], ['HTTPS GET, new connection (intercepted)', r.httpsDirect, r.httpsProxied]]) {
    L(`| ${label} | ${ms(d.p50)} | ${ms(d.p99)} | ${ms(p.p50)} | ${ms(p.p99)} | ${ratio(p.p50, d.p50)} | ${ratio(p.p99, d.p99)} | ${ms(p.p50 - d.p50)} |`);
  }
  L();
  L('Interception costs a second TLS handshake per connection (the leaf for a host is made once and cached); a client that keeps its connection pays it once.');
  L();
}
