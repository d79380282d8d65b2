import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import selfsigned from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationError, runInWorkspace, type Destinations } from '@paddock/agent';
import { TestStack } from './harness/testStack.js';

/** A real sandbox's only way out: the egress proxy its environment names; anything else reaches nothing. */
describe("a workspace's way to the network", () => {
  let stack: TestStack;
  let target: Server;
  let tlsTarget: HttpsServer;
  let port = 0;
  let tlsPort = 0;
  const seen: string[] = [];

  beforeAll(async () => {
    target = createServer((req, res) => { seen.push(`${req.method} ${req.headers.host}${req.url}`); res.end('hello from outside'); });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    port = (target.address() as AddressInfo).port;
    // An HTTPS site with a certificate of its own, which the agent trusts for it (a public site chains to the roots).
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'secure.allowed.test' }], { keySize: 2048 });
    tlsTarget = createHttpsServer({ key: pems.private, cert: pems.cert }, (req, res) => { seen.push(`${req.method} https ${req.headers.host}${req.url}`); res.end('hello over tls'); });
    await new Promise<void>((r) => tlsTarget.listen(0, '127.0.0.1', r));
    tlsPort = (tlsTarget.address() as AddressInfo).port;
    // The proxy resolves test domains to this machine's loopback, in this test only.
    const egressDestinations: Destinations = {
      async resolve(domain) {
        if (domain === 'registry.allowed.test' || domain === 'secure.allowed.test') return { address: '127.0.0.1', family: 4 };
        throw new DestinationError(`${domain} does not resolve`);
      },
    };
    stack = await TestStack.start({ agent: { egressDestinations, egressUpstreamCa: [pems.cert] } });
  });
  afterAll(async () => {
    await stack?.close();
    target?.close();
    tlsTarget?.close();
  });

  it('goes through the proxy for every process, and nowhere without it', async () => {
    const id = await stack.runningWorkspace('egress');
    const run = (command: string) => runInWorkspace(stack.runtime, id, command, 30_000);

    const env = await run('echo "$HTTP_PROXY $HTTPS_PROXY $https_proxy $NO_PROXY"');
    expect(env.output.trim()).toBe('http://127.0.0.1:4142 http://127.0.0.1:4142 http://127.0.0.1:4142 localhost,127.0.0.1,::1');

    const through = await run(`curl -s -m 10 http://registry.allowed.test:${port}/pkg`);
    expect(through.output).toBe('hello from outside');
    expect(seen).toEqual([`GET registry.allowed.test:${port}/pkg`]);

    // Ignoring the proxy: the host's loopback and the internet are out of reach (no network in the sandbox).
    const direct = await run(`curl -s -m 5 --noproxy '*' -o /dev/null -w "%{http_code}" http://127.0.0.1:${port}/direct; echo " exit=$?"`);
    expect(direct.output.trim()).toMatch(/^000 exit=(7|28)$/);
    const internet = await run(`curl -s -m 5 --noproxy '*' -o /dev/null -w "%{http_code}" http://93.184.216.34/; echo " exit=$?"`);
    expect(internet.output.trim()).toMatch(/^000 exit=(7|28)$/);
    expect(seen).toHaveLength(1);

    // Through the proxy, a name it can't resolve is refused in words (names landing on the host: destinations' own tests).
    const unknown = await run('curl -s -m 10 -w " %{http_code}" http://nowhere.test/');
    expect(unknown.output.trim()).toBe('nowhere.test does not resolve\n 403');
  }, 60_000);

  it("opens HTTPS with the agent's CA, which the workspace trusts by its environment alone", async () => {
    const id = await stack.runningWorkspace('egress-tls');
    const run = (command: string) => runInWorkspace(stack.runtime, id, command, 30_000);
    seen.length = 0;
    const env = await run('echo "$NODE_EXTRA_CA_CERTS $SSL_CERT_FILE $GIT_SSL_CAINFO $REQUESTS_CA_BUNDLE $CURL_CA_BUNDLE"');
    expect(env.output.trim()).toBe('/opt/paddock/egress/ca.pem /opt/paddock/egress/ca-bundle.pem /opt/paddock/egress/ca-bundle.pem /opt/paddock/egress/ca-bundle.pem /opt/paddock/egress/ca-bundle.pem');
    // The certificate only, read-only: the key stays in the agent's data dir.
    const files = await run('grep -c "PRIVATE KEY" /opt/paddock/egress/ca.pem /opt/paddock/egress/ca-bundle.pem; echo x > /opt/paddock/egress/ca.pem; echo " exit=$?"');
    expect(files.output).toMatch(/ca\.pem:0\n[^]*ca-bundle\.pem:0\n[^]* exit=[12]/);
    const modes = await run('stat -c "%a %U" /opt/paddock/egress/ca.pem /opt/paddock/egress/ca-bundle.pem; id -un');
    const [ca, bundle, me] = modes.output.trim().split('\n');
    expect([ca, bundle]).toEqual([`400 ${me}`, `400 ${me}`]);
    // curl with no option of its own: the proxy by HTTPS_PROXY, the CA by CURL_CA_BUNDLE; the proxy opened the TLS (monitor mode: inspected).
    const through = await run(`curl -s -m 10 https://secure.allowed.test:${tlsPort}/pkg; echo " exit=$?"`);
    expect(through.output.trim()).toBe('hello over tls exit=0');
    const issuer = await run(`curl -s -m 10 -v -o /dev/null https://secure.allowed.test:${tlsPort}/ 2>&1 | grep -i "issuer:"`);
    expect(issuer.output).toMatch(/Paddock egress CA/);
    // Python's urllib: the proxy by https_proxy, the CA by SSL_CERT_FILE (OpenSSL's default paths).
    const python = await run(`python3 -c "import urllib.request; print(urllib.request.urlopen('https://secure.allowed.test:${tlsPort}/py').read().decode())"`);
    expect(python.output.trim()).toBe('hello over tls');
    expect(seen).toEqual([`GET https secure.allowed.test:${tlsPort}/pkg`, `GET https secure.allowed.test:${tlsPort}/`, `GET https secure.allowed.test:${tlsPort}/py`]);
  }, 60_000);
});
