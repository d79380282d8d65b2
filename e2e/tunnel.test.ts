import { sql } from 'kysely';
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

  it('keeps serving when recording an agent\'s hello or heartbeat fails', async () => {
    // The database refuses every write to the agents table, as a full disk or a lost connection would.
    await sql`create function refuse_agent_write() returns trigger language plpgsql as $$
      begin raise exception 'the database refused the agent record'; end $$`.execute(stack.db);
    await sql`create trigger refuse_agent_write before update on agents for each row execute function refuse_agent_write()`.execute(stack.db);
    try {
      const failures = () => stack.logs.text.split('the database refused the agent record').length - 1;
      await waitUntil(() => failures() >= 1, 30_000); // a heartbeat
      // A reconnect sends hello, whose write fails too.
      const before = failures();
      let disconnected = false;
      stack.agent.once('disconnected', () => { disconnected = true; });
      expect(stack.proxy!.cutAll()).toBeGreaterThan(0);
      await waitUntil(() => disconnected && stack.agent.connected && failures() > before, 30_000);

      expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
      const agents = (await stack.api('GET', '/api/v1/agents')).body.agents as Array<{ connected: boolean }>;
      expect(agents.map((a) => a.connected)).toEqual([true]);
      const t = await stack.terminal(await stack.runningWorkspace('touch-fails'));
      t.type('echo still-$((40+2))\n');
      await t.waitFor('still-42');
      t.close();
    } finally {
      await sql`drop trigger refuse_agent_write on agents`.execute(stack.db);
      await sql`drop function refuse_agent_write()`.execute(stack.db);
    }
  });
});

async function waitUntil(check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
