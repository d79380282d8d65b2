import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalRefused, TestStack, type TerminalConnection } from './harness/testStack.js';

const MAX_SESSIONS = 4;
const IDLE_MS = 1500;

/** Waits until `check` holds (the daemon acts on its own clock), with a generous bound. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check());) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a workspace's terminal sessions are the ones its blueprint's tabs define", () => {
  let stack: TestStack;
  let lockedWs: string;
  let openWs: string;
  const open: TerminalConnection[] = [];
  const terminal = async (id: string, session: string) => {
    const t = await stack.terminal(id, undefined, session);
    open.push(t);
    return t;
  };
  const refusal = (id: string, session: string) => stack.terminal(id, undefined, session).then(
    (t) => { t.close(); throw new Error(`session ${session} was opened`); },
    (err: unknown) => err as TerminalRefused,
  );
  const sessionNames = async (id: string) => (await stack.daemonSessions(id)).map((s) => s.name).sort();

  beforeAll(async () => {
    stack = await TestStack.start({ portal: { terminal: { maxSessions: MAX_SESSIONS, idleMs: IDLE_MS } } });
    const locked = await stack.api('POST', '/api/v1/blueprints', {
      name: 'Locked, no shell',
      tabs: [
        { id: 'chat', kind: 'ai-chat', title: 'AI chat' },
        { id: 'hello', kind: 'command', title: 'Hello', command: 'echo "tab-ready-$((2*3))"; read line; echo "got:$line"' },
        { id: 'claude', kind: 'claude', title: 'Claude Code' },
      ],
      defaultTab: 'hello',
      layoutLocked: true,
    });
    expect(locked.status, JSON.stringify(locked.body)).toBe(201);
    const ws = await stack.api('POST', '/api/v1/workspaces', { blueprintId: locked.body.id, name: 'locked' });
    lockedWs = ws.body.id;
    await stack.waitForState(lockedWs, 'running');
    openWs = await stack.runningWorkspace('open');
  });
  afterAll(async () => {
    for (const t of open) t.close();
    await stack?.close();
  });

  it('refuses a shell under any name on a locked blueprint without a shell tab, with a clear close reason', async () => {
    for (const session of ['main', 'build', 'x_1']) {
      const err = await refusal(lockedWs, session);
      expect(err, session).toBeInstanceOf(TerminalRefused);
      expect(err.code).toBe(4403);
      expect(err.reason).toBe("this workspace's blueprint has no shell");
    }
    // Names of other tab kinds run only what such a tab defines.
    const err = await refusal(lockedWs, 'cmd-nope');
    expect(err.code).toBe(4403);
    expect(err.reason).toBe('this workspace\'s blueprint has no tab that runs "cmd-nope"');
    // Nothing was started for any of them.
    expect(await sessionNames(lockedWs)).toEqual(['cmd-hello']);
  });

  it("runs the command tab's command, again after it exits, and never a shell in its place", async () => {
    const first = await terminal(lockedWs, 'cmd-hello');
    await first.waitFor('tab-ready-6');
    first.type('echo $((6*7))\n');
    await first.waitFor('got:echo $((6*7))');
    await first.waitClosed();
    // Its process ended; opening the tab again runs the command again.
    const again = await terminal(lockedWs, 'cmd-hello');
    await again.waitFor('tab-ready-6');
    again.type('echo $((6*7))\n');
    await again.waitFor('got:echo');
    await again.waitClosed();
    expect(first.output + again.output).not.toContain('42');
  });

  it('refuses the shell from the next attach on once the blueprint is locked', async () => {
    const bp = await stack.api('POST', '/api/v1/blueprints', { name: 'Soon locked' });
    const ws = await stack.api('POST', '/api/v1/workspaces', { blueprintId: bp.body.id, name: 'soon-locked' });
    await stack.waitForState(ws.body.id, 'running');
    const shell = await terminal(ws.body.id, 'main');
    shell.type('echo $((6*7))\n');
    await shell.waitFor(/[\r\n]42\r\n/);
    shell.close();
    expect((await stack.api('PATCH', `/api/v1/blueprints/${bp.body.id}`, { layoutLocked: true })).status).toBe(200);
    const err = await refusal(ws.body.id, 'main');
    expect(err.code).toBe(4403);
  });

  it(`caps the sessions of a workspace at ${MAX_SESSIONS}: the next new one is refused, live ones still open`, async () => {
    const shells: TerminalConnection[] = [];
    for (let i = 1; i <= MAX_SESSIONS; i++) shells.push(await terminal(openWs, `s${i}`));
    const err = await refusal(openWs, `s${MAX_SESSIONS + 1}`);
    expect(err.code).toBe(4429);
    expect(err.reason).toBe(`this workspace already runs ${MAX_SESSIONS} terminal sessions, the most it may; close one first`);
    expect(await sessionNames(openWs)).toHaveLength(MAX_SESSIONS);
    // A second browser on a live session is no new session.
    const second = await terminal(openWs, 's1');
    second.type('echo two-$((1+1))\n');
    await shells[0]!.waitFor('two-2');
    // Once a session ends (here: nobody attached for the idle time), a new one fits.
    shells[0]!.close();
    second.close();
    await until('s1 ended', async () => !(await sessionNames(openWs)).includes('s1'));
    const next = await terminal(openWs, `s${MAX_SESSIONS + 1}`);
    next.type('echo fits\n');
    await next.waitFor('fits');
    for (const t of [...shells, next]) t.close();
    await until('every closed shell ended', async () => (await sessionNames(openWs)).length === 0);
  });

  it('ends a shell nobody is attached to after the idle time; attached ones and command tabs keep running', async () => {
    const watched = await terminal(openWs, 'watched');
    const service = await terminal(lockedWs, 'cmd-hello');
    await service.waitFor('tab-ready-6');
    service.close();
    const left = await terminal(openWs, 'left');
    left.type('echo bye\n');
    await left.waitFor('bye');
    left.close();
    // The browser's leaving reaches the daemon through portal, tunnel and agent; it ends
    // the shell once nobody has been attached for the idle time.
    await until('the detached shell ended', async () => !(await sessionNames(openWs)).includes('left'));
    // The command tab's session was left before the shell was, and still runs: it is a service.
    expect(await sessionNames(lockedWs)).toContain('cmd-hello');
    watched.type('echo still-$((3+4))\n');
    await watched.waitFor('still-7');
    expect(await sessionNames(openWs)).toContain('watched');
  });
});
