import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationError, runInWorkspace, type Destinations } from '@paddock/agent';
import { TestStack } from './harness/testStack.js';

/** A real sandbox's only way out: the egress proxy its environment names; anything else reaches nothing. */
describe("a workspace's way to the network", () => {
  let stack: TestStack;
  let target: Server;
  let port = 0;
  const seen: string[] = [];

  beforeAll(async () => {
    target = createServer((req, res) => { seen.push(`${req.method} ${req.headers.host}${req.url}`); res.end('hello from outside'); });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    port = (target.address() as AddressInfo).port;
    // The proxy resolves test domains to this machine's loopback, in this test only.
    const egressDestinations: Destinations = {
      async resolve(domain) {
        if (domain === 'registry.allowed.test') return { address: '127.0.0.1', family: 4 };
        throw new DestinationError(`${domain} does not resolve`);
      },
    };
    stack = await TestStack.start({ agent: { egressDestinations } });
  });
  afterAll(async () => {
    await stack?.close();
    target?.close();
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
});
