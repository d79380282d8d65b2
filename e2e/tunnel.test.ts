import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestStack } from './harness/testStack.js';

describe('tunnel resilience', () => {
  let stack: TestStack;
  beforeAll(async () => { stack = await TestStack.start({ proxy: true }); });
  afterAll(async () => { await stack?.close(); });

  it('reconnects after its connection is cut mid-session, and a new terminal works', async () => {
    const id = await stack.runningWorkspace('cut');
    const t = await stack.terminal(id);
    t.type('echo $$ > /tmp/shell.pid; echo before-cut\n');
    await t.waitFor('before-cut');

    let disconnected = false;
    stack.agent.once('disconnected', () => { disconnected = true; });
    expect(stack.proxy!.cutAll()).toBeGreaterThan(0);
    await t.waitClosed(); // the relayed terminal ends with its tunnel stream
    await waitUntil(() => disconnected && stack.agent.connected, 20_000);

    const t2 = await stack.terminal(id);
    await t2.waitFor('before-cut'); // same shell session: its scrollback survived
    t2.type('echo after-$((20+1))\n');
    await t2.waitFor('after-21');
    t2.close();
    expect((await stack.api('GET', `/api/v1/workspaces/${id}`)).body.state).toBe('running');
  });

  it('survives a portal restart: running workspaces keep running and stay reachable', async () => {
    const id = await stack.runningWorkspace('restart');
    const t = await stack.terminal(id);
    t.type('echo pid-$$\n');
    await t.waitFor(/pid-\d+/);
    const pid = /pid-(\d+)/.exec(t.output)![1];

    await stack.restartPortal();
    await t.waitClosed();
    await waitUntil(() => stack.portal.services.hub.connectedAgentIds().length > 0, 20_000);
    expect((await stack.api('GET', `/api/v1/workspaces/${id}`)).body.state).toBe('running');

    const t2 = await stack.terminal(id);
    t2.type('echo pid-$$\n');
    await t2.waitFor(new RegExp(`pid-${pid}[\\s\\S]*pid-${pid}`)); // the very same shell
    t2.close();
  });
});

async function waitUntil(check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
