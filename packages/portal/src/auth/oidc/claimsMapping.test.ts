import { describe, expect, it } from 'vitest';
import { claimValues, domainAllowed, mapClaims, mapRole, safeReturnTo } from './claimsMapping.js';
import { issuerUrlProblem, ssoFromEnv, type SsoConfig } from './ssoConfig.js';

const config: SsoConfig = {
  enabled: true, name: 'Acme', issuer: 'https://id.acme.test', clientId: 'paddock', clientSecret: 's',
  allowedDomains: ['acme.test'], roleClaim: 'groups',
  roleMappings: [{ value: 'paddock-admins', role: 'admin' }, { value: 'auditors', role: 'auditor' }],
  defaultRole: 'builder', groupsClaim: 'groups',
};

describe('claims mapping', () => {
  it('reads a claim as a list whether it is a string, an array or missing', () => {
    expect(claimValues({ g: 'a' }, 'g')).toEqual(['a']);
    expect(claimValues({ g: ['a', 2, '', 'b'] }, 'g')).toEqual(['a', 'b']);
    expect(claimValues({}, 'g')).toEqual([]);
  });

  it('gives the first matching mapping its role, else the default', () => {
    expect(mapRole({ groups: ['auditors', 'paddock-admins'] }, config)).toBe('admin');
    expect(mapRole({ groups: ['auditors'] }, config)).toBe('auditor');
    expect(mapRole({ groups: ['sales'] }, config)).toBe('builder');
    expect(mapRole({ roles: 'paddock-admins' }, { ...config, roleClaim: 'roles' })).toBe('admin');
  });

  it('allows only listed email domains, exactly (no suffix tricks)', () => {
    expect(domainAllowed('ada@acme.test', ['acme.test'])).toBe(true);
    expect(domainAllowed('ada@ACME.test', ['acme.test'])).toBe(true);
    expect(domainAllowed('eve@evil-acme.test', ['acme.test'])).toBe(false);
    expect(domainAllowed('eve@acme.test.evil.test', ['acme.test'])).toBe(false);
    expect(domainAllowed('anyone@anywhere.test', [])).toBe(true);
  });

  it('maps claims to an identity keyed by issuer and subject', () => {
    const m = mapClaims(config.issuer, { sub: 'u1', email: ' Ada@Acme.test ', email_verified: true, name: 'Ada', groups: ['eng', 'eng', 'paddock-admins'] }, config);
    expect(m).toEqual({ subject: 'https://id.acme.test|u1', email: 'ada@acme.test', emailVerified: true, name: 'Ada', role: 'admin', groups: ['eng', 'paddock-admins'] });
    expect(mapClaims(config.issuer, { sub: 'u1' }, config)).toEqual({ problem: 'no_email' });
    expect((mapClaims(config.issuer, { sub: 'u1', email: 'x@acme.test', groups: ['eng'] }, { ...config, groupsClaim: null }) as { groups: string[] }).groups).toEqual([]);
  });

  it('only returns to same-origin paths', () => {
    expect(safeReturnTo('/workspaces/1?x=y')).toBe('/workspaces/1?x=y');
    for (const bad of ['https://evil.test/', '//evil.test', '/\\evil.test', 'javascript:alert(1)', '/login', '/api/v1/auth/oidc/start', undefined, '']) {
      expect(safeReturnTo(bad)).toBe('/');
    }
  });
});

describe('SSO from the environment', () => {
  it('reads every PADDOCK_OIDC_* variable', () => {
    const c = ssoFromEnv({
      PADDOCK_OIDC_ISSUER: 'https://id.acme.test', PADDOCK_OIDC_CLIENT_ID: 'paddock', PADDOCK_OIDC_CLIENT_SECRET: 'shh',
      PADDOCK_OIDC_ALLOWED_DOMAINS: 'acme.test, Example.com', PADDOCK_OIDC_ROLE_CLAIM: 'roles',
      PADDOCK_OIDC_ROLE_MAPPINGS: 'paddock-admins=admin,auditors=auditor', PADDOCK_OIDC_GROUPS_CLAIM: 'teams', PADDOCK_OIDC_NAME: 'Acme',
    });
    expect(c).toEqual({
      enabled: true, name: 'Acme', issuer: 'https://id.acme.test', clientId: 'paddock', clientSecret: 'shh',
      allowedDomains: ['acme.test', 'example.com'], roleClaim: 'roles',
      roleMappings: [{ value: 'paddock-admins', role: 'admin' }, { value: 'auditors', role: 'auditor' }],
      defaultRole: 'builder', groupsClaim: 'teams',
    });
    expect(ssoFromEnv({})).toBeUndefined();
  });

  it('refuses a bad configuration rather than starting half-configured', () => {
    expect(() => ssoFromEnv({ PADDOCK_OIDC_ISSUER: 'https://id.acme.test' })).toThrow(/clientId/);
    expect(() => ssoFromEnv({ PADDOCK_OIDC_ISSUER: 'https://id.acme.test', PADDOCK_OIDC_CLIENT_ID: 'p', PADDOCK_OIDC_ROLE_MAPPINGS: 'x=root' })).toThrow(/role/);
    expect(() => ssoFromEnv({ PADDOCK_OIDC_ISSUER: 'http://id.acme.test', PADDOCK_OIDC_CLIENT_ID: 'p' })).toThrow(/https/);
  });

  it('allows plain http only for an issuer on this machine', () => {
    expect(issuerUrlProblem('http://127.0.0.1:4000')).toBeNull();
    expect(issuerUrlProblem('https://id.acme.test')).toBeNull();
    expect(issuerUrlProblem('http://id.acme.test')).toMatch(/https/);
  });
});
