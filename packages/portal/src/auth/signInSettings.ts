import { authSettingsSchema, type AuthSettings } from '@paddock/protocol';
import type { AuditLog } from '../audit/auditLog.js';
import { ApiError, ConflictError } from '../errors.js';
import type { Settings } from '../settings.js';
import type { UserActor } from './actor.js';
import type { SsoSettings } from './oidc/ssoConfig.js';

export const AUTH_SETTINGS_KEY = 'auth';

export class LocalPasswordsDisabledError extends ApiError {
  constructor() { super(403, 'local_passwords_disabled', 'sign-in with a password is turned off; use SSO'); }
}

/**
 * Which sign-in methods the org allows. Local passwords are on by default (the
 * bootstrap admin needs one); an admin may turn them off once SSO works. API
 * tokens are unaffected, so an admin token stays a way back in.
 */
export class SignInSettings {
  constructor(private readonly settings: Settings, private readonly sso: SsoSettings, private readonly audit: AuditLog) {}

  async get(): Promise<AuthSettings> {
    return this.settings.get(AUTH_SETTINGS_KEY, authSettingsSchema, { localPasswords: true });
  }

  async localPasswordsAllowed(): Promise<boolean> {
    return (await this.get()).localPasswords;
  }

  /** Refuses (and audits) a password sign-in while local passwords are off. */
  async assertLocalPasswords(email: string, ip: string): Promise<void> {
    if (await this.localPasswordsAllowed()) return;
    await this.audit.append({
      actor: { kind: 'anonymous', email }, action: 'auth.login', outcome: 'failure', detail: { ip, method: 'password', reason: 'local_passwords_disabled' },
    });
    throw new LocalPasswordsDisabledError();
  }

  async put(value: AuthSettings, actor: UserActor): Promise<AuthSettings> {
    if (!value.localPasswords && !(await this.sso.active())) {
      throw new ConflictError('configure and enable SSO before turning local passwords off, or nobody could sign in');
    }
    await this.settings.set(AUTH_SETTINGS_KEY, value);
    await this.audit.append({
      actor, action: 'auth.settings.update', outcome: 'success', detail: { ...value },
    });
    return value;
  }
}
