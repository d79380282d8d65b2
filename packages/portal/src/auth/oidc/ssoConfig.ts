import { z } from 'zod';
import { putSsoRequestSchema, type Role, type SsoConfigResponse } from '@paddock/protocol';
import type { AuditLog } from '../../audit/auditLog.js';
import type { UserActor } from '../actor.js';
import { ConflictError, InputError } from '../../errors.js';
import { SECRET_MASK, type Secrets } from '../../secrets/secrets.js';
import type { Settings } from '../../settings.js';

/** The OIDC client Paddock acts as, with its secret in clear (never leaves the server). */
export interface SsoConfig {
  enabled: boolean;
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  allowedDomains: string[];
  roleClaim: string;
  roleMappings: Array<{ value: string; role: Role }>;
  defaultRole: Role;
  groupsClaim: string | null;
}

export const SSO_SETTINGS_KEY = 'sso';
export const SSO_SECRET_SCOPE = 'oidc';
export const SSO_SECRET_NAME = 'client_secret';
export const CALLBACK_PATH = '/api/v1/auth/oidc/callback';

/** What is kept in settings: everything but the secret, which lives in `secrets`. */
const storedSchema = putSsoRequestSchema.omit({ clientSecret: true });
type StoredSso = z.infer<typeof storedSchema>;

const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/**
 * SSO from PADDOCK_OIDC_* variables, or undefined when PADDOCK_OIDC_ISSUER is unset.
 * PADDOCK_OIDC_ROLE_MAPPINGS reads "paddock-admins=admin,auditors=auditor".
 * Throws on a bad value, so a misconfigured portal refuses to start.
 */
export function ssoFromEnv(env: NodeJS.ProcessEnv): SsoConfig | undefined {
  if (!env.PADDOCK_OIDC_ISSUER) return undefined;
  const roleMappings = list(env.PADDOCK_OIDC_ROLE_MAPPINGS).map((pair) => {
    const at = pair.lastIndexOf('=');
    return { value: pair.slice(0, at), role: pair.slice(at + 1) };
  });
  const parsed = putSsoRequestSchema.safeParse({
    name: env.PADDOCK_OIDC_NAME || undefined,
    issuer: env.PADDOCK_OIDC_ISSUER,
    clientId: env.PADDOCK_OIDC_CLIENT_ID,
    clientSecret: env.PADDOCK_OIDC_CLIENT_SECRET || undefined,
    allowedDomains: list(env.PADDOCK_OIDC_ALLOWED_DOMAINS),
    roleClaim: env.PADDOCK_OIDC_ROLE_CLAIM || undefined,
    roleMappings,
    defaultRole: env.PADDOCK_OIDC_DEFAULT_ROLE || undefined,
    groupsClaim: env.PADDOCK_OIDC_GROUPS_CLAIM === '' ? null : env.PADDOCK_OIDC_GROUPS_CLAIM,
  });
  if (!parsed.success) {
    throw new Error(`PADDOCK_OIDC_*: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const issuerProblem = issuerUrlProblem(parsed.data.issuer);
  if (issuerProblem) throw new Error(`PADDOCK_OIDC_ISSUER: ${issuerProblem}`);
  return { ...parsed.data, clientSecret: parsed.data.clientSecret ?? null };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Plain HTTP only to an identity provider on this machine (development, tests). */
export function issuerUrlProblem(issuer: string): string | null {
  const url = new URL(issuer);
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return null;
  return 'the issuer must use https (plain http only on 127.0.0.1 or localhost)';
}

export const isLoopbackHttp = (issuer: string) => new URL(issuer).protocol === 'http:';

/**
 * Where SSO is configured: the environment wins when set; otherwise the org
 * settings, with the client secret encrypted in `secrets` (scope 'oidc').
 */
export class SsoSettings {
  constructor(
    private readonly env: SsoConfig | undefined,
    private readonly settings: Settings,
    private readonly secrets: Secrets,
    private readonly audit: AuditLog,
  ) {}

  async current(): Promise<{ source: 'environment' | 'settings' | 'none'; config: SsoConfig | null }> {
    if (this.env) return { source: 'environment', config: this.env };
    const stored = await this.settings.get<StoredSso | null>(SSO_SETTINGS_KEY, storedSchema.nullable(), null);
    if (!stored) return { source: 'none', config: null };
    const clientSecret = await this.secrets.get(SSO_SECRET_SCOPE, SSO_SECRET_NAME);
    return { source: 'settings', config: { ...stored, clientSecret } };
  }

  /** The configuration to sign in with, or null when SSO is off. */
  async active(): Promise<SsoConfig | null> {
    const { config } = await this.current();
    return config?.enabled ? config : null;
  }

  /** For the API: the secret is only ever a mask. */
  async view(origin: string): Promise<SsoConfigResponse> {
    const { source, config } = await this.current();
    return {
      source,
      config: config && { ...config, clientSecret: config.clientSecret === null ? null : SECRET_MASK },
      callbackUrl: `${origin}${CALLBACK_PATH}`,
    };
  }

  /**
   * Stores new settings. `check` proves the issuer answers discovery before it is
   * saved; `canDisable` says whether turning SSO off would lock everyone out.
   */
  async put(
    input: z.infer<typeof putSsoRequestSchema>,
    actor: UserActor,
    hooks: { check(config: SsoConfig): Promise<void>; canDisable(): Promise<boolean> },
  ): Promise<void> {
    if (this.env) throw new ConflictError('SSO is configured by PADDOCK_OIDC_* environment variables; change it there');
    const problem = issuerUrlProblem(input.issuer);
    if (problem) throw new InputError(`invalid request body: issuer: ${problem}`);
    if (!input.enabled && !(await hooks.canDisable())) {
      throw new ConflictError('local passwords are off: turn them on before turning SSO off, or nobody could sign in');
    }
    const { clientSecret, ...stored } = input;
    const previousSecret = await this.secrets.get(SSO_SECRET_SCOPE, SSO_SECRET_NAME);
    if (input.enabled) await hooks.check({ ...stored, clientSecret: clientSecret ?? previousSecret });
    await this.settings.set(SSO_SETTINGS_KEY, stored);
    if (clientSecret !== undefined) await this.secrets.put(SSO_SECRET_SCOPE, SSO_SECRET_NAME, clientSecret);
    await this.audit.append({
      actor, action: 'sso.update', outcome: 'success',
      detail: { enabled: stored.enabled, issuer: stored.issuer, clientId: stored.clientId, secretChanged: clientSecret !== undefined },
    });
  }
}
