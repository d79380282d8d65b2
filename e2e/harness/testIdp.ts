import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import Provider from 'oidc-provider';
import { parseSetCookie, stringifyCookie } from 'cookie';

/** An account; its login (the key in `accounts`) is also its subject (sub). */
export interface IdpAccount {
  email: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

export const IDP_CLIENT_ID = 'paddock';

/** The provider's cookie values go back exactly as it set them. */
const asIs = (value: string) => value;
export const IDP_CLIENT_SECRET = 'idp-client-secret-3f9c2a7d5e1b';

/**
 * A real OpenID Connect provider (the `oidc-provider` package) on 127.0.0.1 and a
 * random port, with one confidential client for the portal and accounts the test
 * controls. Its development login form takes any password: the login names the account.
 */
export class TestIdp {
  /** Keyed by the login typed into the provider's form. */
  readonly accounts = new Map<string, IdpAccount>();
  /** Seconds an ID token lives. */
  idTokenTtl = 3600;
  /**
   * When set, the ID token the token endpoint returns is re-signed with the
   * provider's own key and these claims overridden: a provider that issues a
   * token for another client, say. The signature stays valid.
   */
  tamperIdToken: Record<string, unknown> | null = null;

  private constructor(readonly issuer: string, private readonly server: http.Server) {}

  static async start(options: { redirectUris: string[]; postLogoutRedirectUris?: string[] }): Promise<TestIdp> {
    let handler: http.RequestListener = (_req, res) => { res.statusCode = 503; res.end(); };
    const server = http.createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const idp = new TestIdp(issuer, server);

    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    const provider = new Provider(issuer, {
      clients: [{
        client_id: IDP_CLIENT_ID, client_secret: IDP_CLIENT_SECRET,
        redirect_uris: options.redirectUris, post_logout_redirect_uris: options.postLogoutRedirectUris ?? [],
        grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic',
      }],
      jwks: { keys: [jwk] },
      findAccount: async (_ctx, id) => {
        const a = idp.accounts.get(id);
        return a && { accountId: id, claims: async () => ({ sub: id, ...a }) };
      },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
      scopes: ['openid', 'email', 'profile', 'groups'],
      features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
      ttl: { IdToken: () => idp.idTokenTtl },
      cookies: { keys: ['test-idp-cookie-key'] },
    });
    provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { id_token?: string } | undefined;
      if (ctx.path === '/token' && idp.tamperIdToken && body?.id_token) {
        body.id_token = await resign(body.id_token, idp.tamperIdToken, privateKey);
      }
    });
    handler = provider.callback();
    return idp;
  }

  /**
   * Plays the browser at the provider without a browser: follows redirects,
   * signs in as `login`, consents, and returns the URL the provider sends the
   * browser back to (the portal's callback, not yet visited).
   */
  async authorize(authorizationUrl: string, login: string): Promise<string> {
    const jar = new Map<string, string>();
    let next: { url: string; body?: URLSearchParams } = { url: authorizationUrl };
    for (let hop = 0; hop < 20; hop++) {
      const headers: Record<string, string> = { cookie: stringifyCookie(Object.fromEntries(jar), { encode: asIs }) };
      if (next.body) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(next.url, { method: next.body ? 'POST' : 'GET', body: next.body, headers, redirect: 'manual' });
      for (const c of res.headers.getSetCookie()) {
        const { name, value, expires, maxAge } = parseSetCookie(c, { decode: asIs });
        if (!value || (expires && expires.getTime() <= Date.now()) || (maxAge !== undefined && maxAge <= 0)) jar.delete(name); else jar.set(name, value);
      }
      if (res.status >= 300 && res.status < 400) {
        const location = new URL(res.headers.get('location')!, next.url).href;
        if (!location.startsWith(this.issuer)) return location;
        next = { url: location };
        continue;
      }
      const html = await res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      if (res.status !== 200 || !action || !prompt) throw new Error(`the provider answered ${res.status}: ${html.slice(0, 300)}`);
      const form = new URLSearchParams({ prompt });
      if (prompt === 'login') { form.set('login', login); form.set('password', 'anything'); }
      next = { url: new URL(action, next.url).href, body: form };
    }
    throw new Error('too many redirects at the provider');
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function resign(idToken: string, claims: Record<string, unknown>, key: CryptoKey): Promise<string> {
  return new SignJWT({ ...decodeJwt(idToken), ...claims }).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(key);
}
