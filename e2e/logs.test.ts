import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TerminalConnection, TestStack } from './harness/testStack.js';

/** A request with headers Node's fetch won't send (Host), or from another loopback address. */
function raw(stack: TestStack, path: string, options: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const r = request({
      host: '127.0.0.1', port: stack.portal.port, path, method: options.method ?? 'GET', headers: options.headers ?? {},
      ...(options.from ? { localAddress: options.from } : {}),
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    r.on('error', reject);
    r.end(options.body);
  });
}

const logLines = (stack: TestStack): Record<string, unknown>[] =>
  stack.logs.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('logs', () => {
  let stack: TestStack;
  beforeAll(async () => { stack = await TestStack.start(); });
  afterAll(async () => { await stack?.close(); });

  it('a session with a password, a session cookie, a token, a ticket, secrets and a preview link leaves none of them in the logs', async () => {
    const credentials: Record<string, string> = { password: ADMIN_PASSWORD };

    const login = await fetch(`${stack.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
    credentials.session = cookie.split('=')[1]!;
    credentials.csrf = csrf;
    const session = { cookie, csrf };

    const token = await stack.api('POST', '/api/v1/tokens', { name: 'logs-test' }, session);
    expect(token.status).toBe(201);
    credentials.apiToken = token.body.token;
    // Used as a bearer token, and refused once with a made-up one.
    expect((await stack.api('GET', '/api/v1/auth/me', undefined, token.body.token)).status).toBe(200);
    credentials.forged = 'pdk_forged_token_that_is_not_real_0123456789';
    expect((await stack.api('GET', '/api/v1/auth/me', undefined, credentials.forged)).status).toBe(401);

    const blueprintId = await stack.starterId();
    credentials.secret = `secret-value-${Date.now()}-do-not-log`;
    expect((await stack.api('PUT', `/api/v1/blueprints/${blueprintId}/secrets/DB_PASSWORD`, { value: credentials.secret }, session)).status).toBe(200);
    credentials.llmKey = `sk-ant-logs-test-${Date.now()}`;
    expect((await stack.api('PUT', `/api/v1/blueprints/${blueprintId}/llm-key`, { value: credentials.llmKey }, session)).status).toBe(200);

    const workspaceId = await stack.runningWorkspace('logs');
    const ticket = await stack.api('POST', `/api/v1/workspaces/${workspaceId}/terminal-tickets`, undefined, session);
    expect(ticket.status).toBe(201);
    credentials.ticket = ticket.body.ticket;
    const terminal = await TerminalConnection.open(
      `${stack.wsUrl}/api/v1/workspaces/${workspaceId}/terminal?ticket=${ticket.body.ticket}&session=main`, { cookie },
    );
    terminal.type('echo "$DB_PASSWORD" | wc -c\n');
    // The secret reached the workspace (its length and a newline), without being printed.
    await terminal.waitFor(new RegExp(`\\r${credentials.secret.length + 1}\\r\\n`));
    terminal.close();
    // A spent ticket, tried again: refused, and still not logged.
    await expect(TerminalConnection.open(`${stack.wsUrl}/api/v1/workspaces/${workspaceId}/terminal?ticket=${ticket.body.ticket}&session=main`, { cookie }))
      .rejects.toThrow();

    const link = await stack.api('POST', `/api/v1/workspaces/${workspaceId}/previews`, { port: 5173 }, session);
    expect(link.status).toBe(201);
    const url = new URL(link.body.url);
    credentials.previewToken = url.searchParams.get('token')!;
    const redeemed = await raw(stack, `${url.pathname}${url.search}`, { headers: { host: url.host } });
    const previewCookie = ([] as string[]).concat(redeemed.headers['set-cookie'] ?? [])[0];
    expect(previewCookie).toBeDefined();
    credentials.previewCookie = previewCookie!.split(';')[0]!.split('=')[1]!;
    await raw(stack, '/', { headers: { host: url.host, cookie: previewCookie!.split(';')[0]! } });

    // Logged out: the cookie and csrf token are sent once more.
    expect((await stack.api('POST', '/api/v1/auth/logout', undefined, session)).status).toBe(200);

    const logs = stack.logs.text;
    expect(logs.length).toBeGreaterThan(1000);
    for (const [what, value] of Object.entries(credentials)) {
      expect(value.length, what).toBeGreaterThanOrEqual(8);
      expect(logs.includes(value), `${what} appears in the logs`).toBe(false);
      expect(logs.includes(encodeURIComponent(value)), `${what} (URL-encoded) appears in the logs`).toBe(false);
    }
  }, 180_000);

  it('gives every request an id, returned as x-request-id and on every log line it causes, services\' lines too', async () => {
    const mine = await raw(stack, '/api/v1/auth/methods', { headers: { 'x-request-id': 'lb-7f3a.01' } });
    expect(mine.headers['x-request-id']).toBe('lb-7f3a.01');
    expect(logLines(stack).filter((l) => l.reqId === 'lb-7f3a.01').length).toBeGreaterThanOrEqual(2);

    // An id that is too long or not a plain token is replaced, never echoed or logged.
    for (const hostile of ['x'.repeat(65), 'a b', '"}{"level":60', 'id\u00e9']) {
      const res = await raw(stack, '/api/v1/auth/methods', { headers: { 'x-request-id': hostile } });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{16}$/);
      expect(stack.logs.text.includes(hostile)).toBe(false);
    }
    const generated = await raw(stack, '/api/v1/auth/methods');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f]{16}$/);

    // A line written by a service, not by Fastify's request logger: the IP allowlist's refusal.
    expect((await stack.api('PUT', '/api/v1/admin/ip-allowlist', { cidrs: ['127.0.0.1/32'], trustedProxies: [] })).status).toBe(200);
    try {
      const refused = await raw(stack, '/api/v1/blueprints', { from: '127.0.0.2', headers: { 'x-request-id': 'refused-1' } });
      expect(refused.status).toBe(403);
      expect(refused.headers['x-request-id']).toBe('refused-1');
      const line = logLines(stack).find((l) => l.msg === 'request refused by the IP allowlist' && l.ip === '127.0.0.2');
      expect(line).toMatchObject({ reqId: 'refused-1' });
    } finally {
      expect((await stack.api('PUT', '/api/v1/admin/ip-allowlist', { cidrs: [], trustedProxies: [] })).status).toBe(200);
    }
  });
});
