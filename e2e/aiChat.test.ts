import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_ID, startModelSim, type ModelSim } from '@paddock/model-sim';
import { ROUTE_RULES, apiRoutes } from '@paddock/portal';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN, TestStack } from './harness/testStack.js';

interface AiEvent { type: string; properties: Record<string, any> }

/** Follows the portal's relay of OpenCode's event stream, as a browser would. */
class EventFeed {
  readonly events: AiEvent[] = [];
  private readonly controller = new AbortController();
  status = 0;
  /** The portal ended the stream. */
  ended = false;

  static async open(url: string, token: string): Promise<EventFeed> {
    const feed = new EventFeed();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: feed.controller.signal });
    feed.status = res.status;
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    void feed.read(res.body!.getReader());
    return feed;
  }

  private async read(reader: ReadableStreamDefaultReader<Uint8Array>) {
    const decoder = new TextDecoder();
    const parser = createParser({ onEvent: (e) => { if (e.data) this.events.push(JSON.parse(e.data) as AiEvent); } });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) { this.ended = true; return; }
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // Aborted by close().
    }
  }

  async waitFor(match: (e: AiEvent) => boolean, timeoutMs = 60_000): Promise<AiEvent> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      const found = this.events.find(match);
      if (found) return found;
    }
    throw new Error(`no matching AI event in ${timeoutMs} ms; saw: ${[...new Set(this.events.map((e) => e.type))].join(', ')}`);
  }

  close() { this.controller.abort(); }
}

describe('the AI chat proxy (OpenCode in the workspace, through the tunnel)', () => {
  let sim: ModelSim;
  let stack: TestStack;
  let builder: { id: string; token: string };
  let other: { id: string; token: string };
  let auditor: { id: string; token: string };
  let workspaceId: string;
  const ai = (path = '') => `/api/v1/workspaces/${workspaceId}/ai${path}`;

  beforeAll(async () => {
    sim = await startModelSim();
    stack = await TestStack.start({ llm: { baseUrl: sim.url, apiKey: 'sk-ant-provider-ai-chat', model: DEMO_MODEL_ID } });
    builder = await stack.userToken('chat-builder@example.com');
    other = await stack.userToken('chat-other@example.com');
    auditor = await stack.userToken('chat-auditor@example.com', 'auditor');
    workspaceId = await stack.runningWorkspace('ai-chat', builder.token);
    // OpenCode starts with the workspace and takes a moment.
    await stack.waitForAi(workspaceId, builder.token);
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await sim?.close();
  });

  it('says which model answers (the demo), without leaking the workspace key from OpenCode\'s config', async () => {
    const res = await stack.api('GET', ai('/model'), undefined, builder.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ model: `anthropic/${DEMO_MODEL_ID}`, demo: true });
  });

  it('reaches OpenCode by name only: a preview of its port is refused and a port dial to it fails while the chat works', async () => {
    expect((await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: 4096 }, builder.token)).status).toBe(400);
    const agentId = (await stack.portal.services.workspaces.agentOf(workspaceId))!;
    await expect(stack.portal.services.hub.dial(agentId, workspaceId, { port: 4096 })).rejects.toThrow(/own service/);
    expect((await stack.api('GET', ai('/sessions'), undefined, builder.token)).status).toBe(200);
  });

  it('creates a session, sends a prompt and streams the reply live over the relayed event stream', async () => {
    const feed = await EventFeed.open(`${stack.url}${ai('/events')}`, builder.token);
    try {
      expect(feed.status).toBe(200);
      await feed.waitFor((e) => e.type === 'server.connected', 10_000);
      const created = await stack.api('POST', ai('/sessions'), {}, builder.token);
      expect(created.status).toBe(201);
      const sessionId = created.body.id as string;
      expect(sessionId).toMatch(/^ses_/);
      expect((await stack.api('GET', ai('/sessions'), undefined, builder.token)).body.sessions.map((s: { id: string }) => s.id)).toContain(sessionId);

      const sent = await stack.api('POST', ai(`/sessions/${sessionId}/prompt`), { text: 'say hello' }, builder.token);
      expect(sent.status).toBe(202);
      // The reply arrives as deltas before the session goes idle: streamed, not buffered until the end.
      const delta = await feed.waitFor((e) => e.type === 'message.part.delta' && e.properties.sessionID === sessionId);
      await feed.waitFor((e) => e.type === 'session.idle' && e.properties.sessionID === sessionId);
      const idleAt = feed.events.findIndex((e) => e.type === 'session.idle' && e.properties.sessionID === sessionId);
      expect(feed.events.indexOf(delta)).toBeLessThan(idleAt);

      const messages = await stack.api('GET', ai(`/sessions/${sessionId}/messages`), undefined, builder.token);
      expect(messages.status).toBe(200);
      const text = JSON.stringify(messages.body.messages);
      expect(text).toContain('Hello from the Paddock demo model');
      // The portal records that a prompt was sent, never what it said: as the workspace's activity, not in the audit log (its owner's own use).
      const activity = await stack.api('GET', `/api/v1/audit/activity?workspaceId=${workspaceId}&action=workspace.ai.prompt`);
      expect(activity.body.entries).toEqual([expect.objectContaining({ actorEmail: 'chat-builder@example.com', detail: { session: sessionId } })]);
      expect(JSON.stringify(activity.body)).not.toContain('say hello');
      const audit = await stack.api('GET', '/api/v1/audit?action=workspace.ai.prompt&limit=50');
      expect(audit.body.entries).toEqual([]);
    } finally {
      feed.close();
    }
  }, 120_000);

  it('lists an open chat stream on the Security dashboard, and an admin ends it', async () => {
    const feed = await EventFeed.open(`${stack.url}${ai('/events')}`, builder.token);
    try {
      await feed.waitFor((e) => e.type === 'server.connected', 10_000);
      const chats = async () => ((await stack.api('GET', '/api/v1/admin/security')).body.connections as Array<{ id: string; kind: string; workspaceId: string; userEmail: string; ip: string }>)
        .filter((c) => c.kind === 'chat' && c.workspaceId === workspaceId);
      const [chat, ...more] = await chats();
      expect(more).toEqual([]);
      expect(chat).toMatchObject({ userEmail: 'chat-builder@example.com', ip: expect.stringMatching(/127\.0\.0\.1/) });
      expect((await stack.api('DELETE', `/api/v1/admin/connections/${chat!.id}`, undefined, auditor.token)).status).toBe(403);
      expect((await stack.api('DELETE', `/api/v1/admin/connections/${chat!.id}`)).status).toBe(204);
      await expect.poll(() => feed.ended, { timeout: 10_000 }).toBe(true);
      expect(await chats()).toEqual([]);
    } finally {
      feed.close();
    }
  });

  it('shows the model\'s errors as events, and stops a slow reply on abort', async () => {
    const feed = await EventFeed.open(`${stack.url}${ai('/events')}`, builder.token);
    try {
      const session = (await stack.api('POST', ai('/sessions'), {}, builder.token)).body.id as string;
      expect((await stack.api('POST', ai(`/sessions/${session}/prompt`), { text: 'please fail with an error' }, builder.token)).status).toBe(202);
      const error = await feed.waitFor((e) => e.type === 'session.error' && e.properties.sessionID === session);
      expect(error.properties.error.data.message).toContain('asked to fail');

      const slow = (await stack.api('POST', ai('/sessions'), {}, builder.token)).body.id as string;
      expect((await stack.api('POST', ai(`/sessions/${slow}/prompt`), { text: 'count slowly' }, builder.token)).status).toBe(202);
      await feed.waitFor((e) => e.type === 'message.part.delta' && e.properties.sessionID === slow && String(e.properties.delta).includes('Counting'));
      const aborted = await stack.api('POST', ai(`/sessions/${slow}/abort`), undefined, builder.token);
      expect(aborted.status).toBe(200);
      await feed.waitFor((e) => e.type === 'session.idle' && e.properties.sessionID === slow, 10_000);
      const messages = (await stack.api('GET', ai(`/sessions/${slow}/messages`), undefined, builder.token)).body.messages as Array<{ info: { role: string; error?: { name: string } }; parts: Array<{ type: string; text?: string }> }>;
      const reply = messages.filter((m) => m.info.role === 'assistant').at(-1)!;
      expect(reply.info.error?.name).toBe('MessageAbortedError');
      // Stopped well before the end of the count (it would take ~17 s to reach 200).
      expect(reply.parts.filter((p) => p.type === 'text').map((p) => p.text).join('')).not.toContain(' 200');
    } finally {
      feed.close();
    }
  }, 120_000);

  it('answers every event-stream request while the AI starts: a 502 or 504 or the stream, never a hang', async () => {
    // Before OpenCode listens the dial is refused (502); it can leave a request unanswered that reaches it
    // just as it starts listening (504). Either is an answer the browser retries, not an event stream stuck connecting.
    const starting = await stack.runningWorkspace('ai-starting', builder.token);
    const url = `${stack.url}/api/v1/workspaces/${starting}/ai/events`;
    const answers: Array<{ status: number | 'none'; ms: number }> = [];
    const attempt = async () => {
      const controller = new AbortController();
      const deadline = setTimeout(() => controller.abort(), 10_000);
      const began = Date.now();
      try {
        const res = await fetch(url, { headers: { authorization: `Bearer ${builder.token}` }, signal: controller.signal });
        answers.push({ status: res.status, ms: Date.now() - began });
        return res.status;
      } catch {
        answers.push({ status: 'none', ms: Date.now() - began });
        return 0;
      } finally {
        clearTimeout(deadline);
        controller.abort();
      }
    };
    const inFlight: Array<Promise<number>> = [];
    let streams = 0;
    for (const until = Date.now() + 60_000; streams < 5 && Date.now() < until; await new Promise((r) => setTimeout(r, 150))) {
      inFlight.push(attempt().then((status) => { if (status === 200) streams += 1; return status; }));
    }
    await Promise.all(inFlight);
    expect(streams).toBeGreaterThanOrEqual(5);
    expect(answers.filter((a) => a.status === 'none'), JSON.stringify(answers)).toEqual([]);
    const statuses = new Set(answers.map((a) => a.status));
    expect(statuses.has(200)).toBe(true);
    expect([...statuses].filter((s) => s !== 200 && s !== 502 && s !== 504), JSON.stringify(answers)).toEqual([]);
    expect(statuses.size, 'it was asked while the AI started').toBeGreaterThan(1);
  }, 120_000);

  it('answers every AI route for its owner and an admin, by token and by session cookie', async () => {
    const signIn = async (email: string) => {
      const res = await fetch(`${stack.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: ADMIN_PASSWORD }) });
      return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
    };
    const callers = [builder.token, ADMIN_TOKEN, await signIn('chat-builder@example.com'), await signIn(ADMIN_EMAIL)];
    const session = (await stack.api('POST', ai('/sessions'), {}, builder.token)).body.id as string;
    const bodies: Record<string, unknown> = { POST: {}, 'POST /api/v1/workspaces/:id/ai/sessions/:sessionId/prompt': { text: 'say hello' } };
    // Every route the policy table says needs the workspace's AI (authz/routeRules.ts): a new one is covered here too.
    const needingAi = apiRoutes.filter((r) => { const rule = ROUTE_RULES[`${r.method} ${r.url}`]; return rule?.object === 'workspace' && rule.needs === 'ai'; });
    expect(needingAi.length).toBeGreaterThanOrEqual(8);
    for (const r of needingAi) {
      const path = r.url.replace(':id', workspaceId).replace(':sessionId', session);
      const body = r.method === 'GET' ? undefined : bodies[`${r.method} ${r.url}`] ?? bodies[r.method];
      for (const [n, auth] of callers.entries()) {
        const res = await stack.api(r.method, path, body, auth);
        expect(res.status, `${r.method} ${r.url} as caller ${n}: ${JSON.stringify(res.body)}`).toBe(r.status ?? 200);
      }
    }
  }, 120_000);

  it('refuses other users as if the workspace did not exist, auditors\' writes, and bad input', async () => {
    const session = (await stack.api('POST', ai('/sessions'), {}, builder.token)).body.id as string;
    const calls: Array<[string, string, unknown?]> = [
      ['GET', ai('/model')], ['GET', ai('/sessions')], ['POST', ai('/sessions'), {}], ['GET', ai('/status')],
      ['GET', ai(`/sessions/${session}/messages`)], ['POST', ai(`/sessions/${session}/prompt`), { text: 'hi' }],
      ['POST', ai(`/sessions/${session}/abort`)], ['GET', ai('/events')],
    ];
    for (const [method, path, body] of calls) {
      const res = await stack.api(method, path, body, other.token);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    for (const [method, path, body] of calls) {
      const res = await stack.api(method, path, body, auditor.token);
      expect(res.status, `${method} ${path} as auditor`).toBe(method === 'GET' ? 200 : 403);
    }
    // Only the allow-listed endpoints exist: OpenCode's shell, files and config are not reachable.
    for (const path of ['/session', '/config', `/sessions/${session}/shell`, '/file/content?path=/etc/passwd']) {
      expect((await stack.api('GET', ai(path), undefined, builder.token)).status).toBe(404);
    }
    expect((await stack.api('POST', ai('/sessions/not-a-session/prompt'), { text: 'hi' }, builder.token)).status).toBe(400);
    expect((await stack.api('POST', ai(`/sessions/${session}/prompt`), { text: '  ' }, builder.token)).status).toBe(400);
    expect((await stack.api('GET', ai('/sessions/ses_doesnotexist0000/messages'), undefined, builder.token)).status).toBe(404);
  }, 60_000);
});
