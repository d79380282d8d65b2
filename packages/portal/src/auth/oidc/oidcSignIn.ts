import type { Transaction } from 'kysely';
import * as client from 'openid-client';
import type pino from 'pino';
import type { AuthMethods, SsoErrorCode } from '@paddock/protocol';
import type { AuditLog } from '../../audit/auditLog.js';
import { systemClock, type Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import type { Tables } from '../../db/schema.js';
import { hashSecret, newId, newSecret, safeEqual } from '../../ids.js';
import { SSO_ACTOR, type UserActor } from '../actor.js';
import type { Identity } from '../identity.js';
import type { SignInSettings } from '../signInSettings.js';
import { domainAllowed, emailDomain, mapClaims, safeReturnTo, type MappedIdentity } from './claimsMapping.js';
import { CALLBACK_PATH, isLoopbackHttp, type SsoConfig, type SsoSettings } from './ssoConfig.js';

/** A login must come back within this long. */
export const LOGIN_STATE_TTL_MS = 10 * 60 * 1000;
const DISCOVERY_TTL_MS = 60 * 60 * 1000;

/** Why an SSO sign-in was refused: `code` goes to /login?error=, `reason` to the audit trail. */
export class SsoSignInError extends Error {
  constructor(readonly code: SsoErrorCode, readonly reason: string, readonly email: string | null = null, readonly userId: string | null = null) {
    super(`${code}: ${reason}`);
    this.name = 'SsoSignInError';
  }
}

interface Discovered { metadata: client.ServerMetadata; at: number; jwks?: client.ExportedJWKSCache }

/**
 * Sign-in through an OpenID Connect provider: the authorization code flow with
 * PKCE, state and nonce. Logins in flight are kept in the database, bound to the
 * browser that started them by a cookie, and consumed once.
 */
export class OidcSignIn {
  private readonly discovered = new Map<string, Discovered>();

  constructor(private readonly deps: {
    db: Database; clock: Clock; audit: AuditLog; identity: Identity; sso: SsoSettings;
    signInSettings: SignInSettings; log: pino.Logger;
  }) {}

  async methods(): Promise<AuthMethods> {
    const [sso, password] = await Promise.all([this.deps.sso.active(), this.deps.signInSettings.localPasswordsAllowed()]);
    return { password, sso: sso ? { name: sso.name } : null };
  }

  /**
   * Where to send the browser to sign in, and the secret for its binding cookie.
   * `origin` is this portal as the browser sees it (the callback URL is built on it).
   */
  async start(config: SsoConfig, returnTo: string | undefined, origin: string): Promise<{ authorizationUrl: string; browserSecret: string }> {
    const oidc = await this.configuration(config);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    const browserSecret = newSecret('pdo');
    const redirectUri = `${origin}${CALLBACK_PATH}`;
    const now = this.deps.clock.now();
    await this.deps.db.deleteFrom('oidc_login_states').where('expires_at', '<=', now).execute();
    await this.deps.db.insertInto('oidc_login_states').values({
      state_hash: hashSecret(state), browser_hash: hashSecret(browserSecret), nonce, code_verifier: codeVerifier,
      redirect_uri: redirectUri, return_to: safeReturnTo(returnTo), created_at: now,
      expires_at: new Date(now.getTime() + LOGIN_STATE_TTL_MS),
    }).execute();
    const url = client.buildAuthorizationUrl(oidc, {
      redirect_uri: redirectUri,
      scope: scopesFor(config, oidc),
      state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { authorizationUrl: url.href, browserSecret };
  }

  /**
   * Finishes a sign-in: checks the state (single use, this browser, not expired),
   * trades the code (PKCE) and validates the ID token (signature, issuer, audience,
   * expiry, nonce), maps the claims, finds or creates the user and opens a session.
   * Every outcome is audited.
   */
  async callback(query: Record<string, string>, browserSecret: string | undefined, how: { ip: string; userAgent: string }) {
    try {
      return await this.finish(query, browserSecret, how);
    } catch (err) {
      const e = err instanceof SsoSignInError ? err : new SsoSignInError('sso_failed', describe(err));
      if (!(err instanceof SsoSignInError)) this.deps.log.warn({ err }, 'SSO sign-in failed');
      await this.deps.audit.append({
        actor: { kind: 'anonymous', email: e.email }, action: 'auth.login', outcome: 'failure', ...(e.userId ? { targetType: 'user', targetId: e.userId } : {}),
        detail: { ip: how.ip, method: 'oidc', reason: e.code, detail: e.reason.slice(0, 500) },
      });
      throw e;
    }
  }

  private async finish(query: Record<string, string>, browserSecret: string | undefined, how: { ip: string; userAgent: string }) {
    const { db, clock } = this.deps;
    const state = query.state ?? '';
    const row = await db.deleteFrom('oidc_login_states').where('state_hash', '=', hashSecret(state)).returningAll().executeTakeFirst();
    if (!row) throw new SsoSignInError('invalid_state', 'unknown or already used state');
    if (row.expires_at <= clock.now()) throw new SsoSignInError('invalid_state', 'the sign-in took too long');
    if (!browserSecret || !safeEqual(hashSecret(browserSecret), row.browser_hash)) {
      throw new SsoSignInError('invalid_state', 'the sign-in was started in another browser');
    }
    if (query.error) throw new SsoSignInError('sso_denied', `${query.error}: ${query.error_description ?? ''}`.slice(0, 300));
    const config = await this.deps.sso.active();
    if (!config) throw new SsoSignInError('sso_not_configured', 'SSO is not configured');

    const oidc = await this.configuration(config);
    const currentUrl = new URL(row.redirect_uri);
    for (const [k, v] of Object.entries(query)) currentUrl.searchParams.set(k, v);
    const tokens = await client.authorizationCodeGrant(oidc, currentUrl, {
      pkceCodeVerifier: row.code_verifier, expectedState: state, expectedNonce: row.nonce, idTokenExpected: true,
    });
    this.remember(config.issuer, oidc);
    const idClaims = tokens.claims();
    if (!idClaims) throw new SsoSignInError('sso_failed', 'no ID token');
    let claims: Record<string, unknown> = { ...idClaims };
    // Many providers put profile claims (email, groups) only in the userinfo response.
    if (oidc.serverMetadata().userinfo_endpoint && tokens.access_token) {
      const info = await client.fetchUserInfo(oidc, tokens.access_token, idClaims.sub);
      claims = { ...info, ...idClaims, ...pick(info, ['email', 'email_verified', 'name', 'given_name', 'family_name', config.roleClaim, config.groupsClaim]) };
    }

    const mapped = mapClaims(config.issuer, claims, config);
    if ('problem' in mapped) throw new SsoSignInError('sso_failed', 'the identity provider sent no email address');
    if (!domainAllowed(mapped.email, config.allowedDomains)) {
      throw new SsoSignInError('domain_not_allowed', `email domain ${emailDomain(mapped.email)} is not allowed`, mapped.email);
    }
    if (mapped.emailVerified === false) throw new SsoSignInError('email_not_verified', 'the identity provider says the email is not verified', mapped.email);

    const userId = await this.provision(mapped, config);
    const session = await this.deps.identity.openSession(userId, { ...how, method: 'oidc' });
    await db.insertInto('oidc_sessions').values({ session_hash: hashSecret(session.sessionId), issuer: config.issuer, created_at: clock.now() }).execute();
    return { ...session, returnTo: row.return_to };
  }

  /**
   * The user for these claims: by issuer+subject, else an existing account with
   * the same (verified) email, else a new one (just in time). Role and groups
   * follow the claims on every sign-in for accounts that came from SSO.
   */
  private async provision(m: MappedIdentity, config: SsoConfig): Promise<string> {
    const { clock, audit } = this.deps;
    return this.deps.db.transaction().execute(async (tx) => {
      const now = clock.now();
      let user = await tx.selectFrom('users').selectAll().where('oidc_subject', '=', m.subject).forUpdate().executeTakeFirst();
      if (!user) {
        const byEmail = await tx.selectFrom('users').selectAll().where('email', '=', m.email).forUpdate().executeTakeFirst();
        if (byEmail) {
          if (m.emailVerified !== true) throw new SsoSignInError('email_not_verified', 'an account with this email exists and the provider has not verified the email', m.email, byEmail.id);
          if (byEmail.oidc_subject !== null) throw new SsoSignInError('account_conflict', 'this email is linked to another SSO identity', m.email, byEmail.id);
          user = await tx.updateTable('users').set({ oidc_subject: m.subject, updated_at: now }).where('id', '=', byEmail.id).returningAll().executeTakeFirstOrThrow();
          await audit.append({ actor: { kind: 'user', user: user }, action: 'user.link_sso', targetType: 'user', targetId: user.id, outcome: 'success', detail: { issuer: config.issuer } }, tx);
        }
      }
      if (user && !user.active) throw new SsoSignInError('account_disabled', 'the account is deactivated', user.email, user.id);
      if (!user) {
        user = await tx.insertInto('users').values({
          id: newId(), email: m.email, name: m.name, role: m.role, password_hash: null, source: 'oidc', oidc_subject: m.subject,
          created_at: now, updated_at: now, last_login_at: null,
        }).returningAll().executeTakeFirstOrThrow();
        await audit.append({
          actor: SSO_ACTOR, action: 'user.create', targetType: 'user', targetId: user.id, outcome: 'success',
          detail: { email: user.email, role: user.role, source: 'oidc', groups: m.groups },
        }, tx);
      } else if (user.source === 'oidc' && config.roleMappings.length > 0 && user.role !== m.role) {
        await tx.updateTable('users').set({ role: m.role, updated_at: now }).where('id', '=', user.id).execute();
        await audit.append({
          actor: SSO_ACTOR, action: 'user.role', targetType: 'user', targetId: user.id, outcome: 'success',
          detail: { email: user.email, from: user.role, to: m.role },
        }, tx);
      }
      if (config.groupsClaim) await syncGroups(tx, user.id, m.groups, now);
      return user.id;
    });
  }

  /** The provider's end-session URL for a session that came from SSO, else null. */
  async endSessionUrl(actor: UserActor, origin: string): Promise<string | null> {
    if (!actor.sessionHash) return null;
    const link = await this.deps.db.selectFrom('oidc_sessions').select('issuer').where('session_hash', '=', actor.sessionHash).executeTakeFirst();
    const config = link && await this.deps.sso.active();
    if (!config || config.issuer !== link.issuer) return null;
    try {
      const oidc = await this.configuration(config);
      if (!oidc.serverMetadata().end_session_endpoint) return null;
      return client.buildEndSessionUrl(oidc, { client_id: config.clientId, post_logout_redirect_uri: `${origin}/login` }).href;
    } catch (err) {
      this.deps.log.warn({ err }, 'could not reach the identity provider for logout');
      return null;
    }
  }

  /** Proves an issuer answers discovery (before saving settings). */
  async check(config: SsoConfig): Promise<void> {
    this.discovered.delete(config.issuer);
    await this.configuration(config);
  }

  /**
   * An openid-client Configuration for this request. Discovery is cached; the
   * client's clock is the portal's (so an injected clock also governs ID token expiry).
   */
  private async configuration(config: SsoConfig): Promise<client.Configuration> {
    const insecure = isLoopbackHttp(config.issuer);
    let d = this.discovered.get(config.issuer);
    if (!d || this.deps.clock.now().getTime() - d.at > DISCOVERY_TTL_MS) {
      const found = await client.discovery(new URL(config.issuer), config.clientId, undefined, undefined, {
        timeout: 10, ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
      });
      d = { metadata: found.serverMetadata(), at: this.deps.clock.now().getTime() };
      this.discovered.set(config.issuer, d);
    }
    // openid-client reads the system's clock; the skew makes it see the portal's.
    const skew = Math.round((this.deps.clock.now().getTime() - systemClock.now().getTime()) / 1000);
    const oidc = new client.Configuration(
      d.metadata, config.clientId,
      { ...(config.clientSecret ? { client_secret: config.clientSecret } : {}), [client.clockSkew]: skew },
      config.clientSecret ? client.ClientSecretBasic(config.clientSecret) : client.None(),
    );
    oidc.timeout = 10;
    if (insecure) client.allowInsecureRequests(oidc);
    if (d.jwks) client.setJwksCache(oidc, d.jwks);
    return oidc;
  }

  private remember(issuer: string, oidc: client.Configuration) {
    const d = this.discovered.get(issuer);
    const jwks = client.getJwksCache(oidc);
    if (d && jwks) d.jwks = jwks;
  }
}

/** An openid-client failure for the audit trail: its message and the more precise ones it wraps. */
function describe(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) parts.push(e.message);
  return parts.length ? parts.join(': ') : String(err);
}

function scopesFor(config: SsoConfig, oidc: client.Configuration): string {
  const supported = new Set(oidc.serverMetadata().scopes_supported ?? []);
  const scopes = ['openid', 'email', 'profile'];
  // Providers commonly hand out group claims under a scope of the same name.
  for (const claim of new Set([config.groupsClaim, config.roleClaim])) if (claim && supported.has(claim)) scopes.push(claim);
  return scopes.join(' ');
}

function pick(o: Record<string, unknown>, keys: Array<string | null>): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k): k is string => !!k && k in o).map((k) => [k, o[k]]));
}

/**
 * Memberships in groups that came from SSO follow the claim: joined when listed,
 * left when not. Groups from SCIM or made by hand are never touched.
 */
async function syncGroups(tx: Transaction<Tables>, userId: string, names: string[], now: Date) {
  if (names.length > 0) {
    await tx.insertInto('groups').values(names.map((n) => ({ id: newId(), display_name: n, external_id: null, source: 'oidc', created_at: now, updated_at: now })))
      .onConflict((oc) => oc.column('display_name').doNothing()).execute();
  }
  const wanted = names.length === 0 ? [] : await tx.selectFrom('groups').select('id')
    .where('display_name', 'in', names).where('source', '=', 'oidc').execute();
  const wantedIds = wanted.map((g) => g.id);
  if (wantedIds.length > 0) {
    await tx.insertInto('group_members').values(wantedIds.map((id) => ({ group_id: id, user_id: userId })))
      .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing()).execute();
  }
  let leave = tx.deleteFrom('group_members').where('user_id', '=', userId)
    .where('group_id', 'in', (eb) => eb.selectFrom('groups').select('id').where('source', '=', 'oidc'));
  if (wantedIds.length > 0) leave = leave.where('group_id', 'not in', wantedIds);
  await leave.execute();
}
