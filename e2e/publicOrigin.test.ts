import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDP_CLIENT_ID, IDP_CLIENT_SECRET, TestIdp } from './harness/testIdp.js';
import { ADMIN_TOKEN, TestStack } from './harness/testStack.js';

/** A request as a hostile client sends it: its own Host header, which no link may ever carry. */
function withHost(stack: TestStack, method: string, path: string, host: string, options: { body?: unknown; token?: string } = {}) {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }>((resolve, reject) => {
    const r = request({
      host: '127.0.0.1', port: stack.portal.port, method, path,
      headers: {
        host, authorization: `Bearer ${options.token ?? ADMIN_TOKEN}`,
        ...(payload ? { 'content-type': options.token ? 'application/scim+json' : 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text && res.headers['content-type']?.includes('json') ? JSON.parse(text) : text }));
    });
    r.on('error', reject);
    r.end(payload);
  });
}

const EVIL = 'evil.example';

describe('every link is on the one public origin, never the Host header', () => {
  let stack: TestStack;
  let idp: TestIdp;
  let origin: string;

  beforeAll(async () => {
    // PADDOCK_PUBLIC_URL unset: the default, http://localhost:<PORT>.
    stack = await TestStack.start({ publicUrl: null });
    origin = `http://localhost:${stack.portal.port}`;
    idp = await TestIdp.start({ redirectUris: [`${origin}/api/v1/auth/oidc/callback`] });
    const sso = await stack.api('PUT', '/api/v1/admin/sso', { name: 'Acme ID', issuer: idp.issuer, clientId: IDP_CLIENT_ID, clientSecret: IDP_CLIENT_SECRET });
    expect(sso.status).toBe(200);
  });
  afterAll(async () => {
    await idp?.close();
    await stack?.close();
  });

  it('sends the identity provider the configured redirect_uri, and shows it to admins', async () => {
    const started = await withHost(stack, 'GET', '/api/v1/auth/oidc/start', EVIL);
    expect(started.status).toBe(302);
    const location = new URL(String(started.headers.location));
    expect(location.origin).toBe(idp.issuer);
    expect(location.searchParams.get('redirect_uri')).toBe(`${origin}/api/v1/auth/oidc/callback`);
    const view = await withHost(stack, 'GET', '/api/v1/admin/sso', EVIL);
    expect(view.body.callbackUrl).toBe(`${origin}/api/v1/auth/oidc/callback`);
  });

  it('builds invite links on it', async () => {
    const made = await withHost(stack, 'POST', '/api/v1/invites', EVIL, { body: { email: 'host-header@example.com', role: 'builder' } });
    expect(made.status).toBe(201);
    expect(made.body.url).toBe(`${origin}/invite#${made.body.token}`);
  });

  it('builds password reset links on it', async () => {
    const member = await stack.api('POST', '/api/v1/users', { email: 'reset-origin@example.com', name: 'Reset Origin', role: 'builder', password: 'a-long-enough-password' });
    expect(member.status).toBe(201);
    const reset = await withHost(stack, 'POST', `/api/v1/users/${member.body.id}/password-reset`, EVIL);
    expect(reset.status).toBe(201);
    expect(reset.body.url).toMatch(new RegExp(`^${origin}/reset-password#`));
  });

  it('builds preview links on its scheme and port', async () => {
    const id = await stack.runningWorkspace('origin');
    const link = await withHost(stack, 'POST', `/api/v1/workspaces/${id}/previews`, `${EVIL}:4443`, { body: { port: 5173 } });
    expect(link.status).toBe(201);
    expect(link.body.url).toMatch(new RegExp(`^http://5173--${id}\\.preview\\.localhost:${stack.portal.port}/__paddock/auth\\?token=`));
  });

  it('names SCIM resources on it', async () => {
    const token = (await stack.api('POST', '/api/v1/admin/scim-tokens')).body.token as string;
    const created = await withHost(stack, 'POST', '/scim/v2/Users', EVIL, {
      token, body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'scim-origin@corp.example' },
    });
    expect(created.status).toBe(201);
    expect(created.body.meta.location).toBe(`${origin}/scim/v2/Users/${created.body.id}`);
    expect(created.headers.location).toBe(created.body.meta.location);
  });
});
