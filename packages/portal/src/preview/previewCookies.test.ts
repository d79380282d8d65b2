import { describe, expect, it } from 'vitest';
import { cookieAllowed, isPaddockCookie, previewCookieName, previewSessionCookie, sessionCandidates, withoutPaddockCookies } from './previewCookies.js';

const host = '5173--w1.preview.localhost';
const id = (c: string) => `pvs_${c.repeat(43)}`;

describe('preview cookies', () => {
  it('binds the sign-in cookie to its host: __Host- over HTTPS, the preview\'s label elsewhere', () => {
    expect(previewCookieName('5173--w1.preview.example.com', true)).toBe('__Host-paddock_preview');
    expect(previewCookieName(host, false)).toBe('__paddock_preview_5173--w1');
    const secure = previewSessionCookie('5173--w1.preview.example.com', true, id('a'));
    expect(secure).toMatch(/^__Host-paddock_preview=pvs_a+; Max-Age=43200; Path=\/; HttpOnly; Secure; Partitioned; SameSite=None$/);
    expect(secure).not.toMatch(/Domain/i);
    expect(previewSessionCookie('5173--w1.preview.internal', false, id('a'))).toMatch(/; HttpOnly; SameSite=Lax$/);
  });

  it('offers every value of the cookie\'s name, once each, however many were planted before it', () => {
    const name = previewCookieName(host, false);
    const header = `${name}=${id('x')}; other=1; ${name}=junk; ${name}=${id('y')}; ${name}=${id('x')}; ${name}2=${id('z')}`;
    expect(sessionCandidates(header, name)).toEqual([id('x'), id('y')]);
    expect(sessionCandidates(undefined, name)).toEqual([]);
  });

  it('keeps Paddock\'s cookies from the dev server, and the app\'s byte for byte', () => {
    for (const name of ['paddock_session', 'paddock_oidc', '__paddock_preview', '__paddock_preview_5173--w1', '__Host-paddock_preview', 'Paddock_Session']) {
      expect(isPaddockCookie(name), name).toBe(true);
    }
    expect(isPaddockCookie('session')).toBe(false);
    expect(withoutPaddockCookies(`a=1; paddock_session=s; b="x=y"; __Host-paddock_preview=p;c=%20`)).toBe('a=1; b="x=y"; c=%20');
  });

  it('lets a dev server set cookies for its own host only, and none of Paddock\'s', () => {
    expect(cookieAllowed('own=1; Path=/', host)).toBe(true);
    expect(cookieAllowed(`own=1; Domain=${host.toUpperCase()}`, host)).toBe(true);
    expect(cookieAllowed('evil=1; Domain=preview.localhost; Path=/', host)).toBe(false);
    expect(cookieAllowed('evil=1; domain=.localhost', host)).toBe(false);
    expect(cookieAllowed('__paddock_preview_5173--w1=forged', host)).toBe(false);
    expect(cookieAllowed('paddock_session=forged; Path=/', host)).toBe(false);
  });
});
