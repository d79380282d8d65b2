import { parseSetCookie, stringifySetCookie } from 'cookie';
import { PREVIEW_SESSION_MAX_MS } from './previewAuth.js';

/**
 * Cookies on preview origins. All previews share a parent domain, so a page on
 * one can set a cookie for every other (`domain=<preview domain>`): cookie
 * tossing. A server can't tell a tossed cookie from its own, so the sign-in
 * cookie is bound to its host by name, and every value of that name counts:
 * - over HTTPS, `__Host-paddock_preview`: browsers accept a `__Host-` cookie
 *   only from a secure origin, host-only, so no other origin can plant one here;
 * - elsewhere, a name carrying the preview's own label, and since any origin
 *   can still plant that name, each of its values is tried, never just the first.
 * Paddock's own cookies (`paddock_*`, `__paddock_*`, `__Host-paddock_*`) never
 * reach a dev server, and a dev server can't set one.
 */
export function previewCookieName(hostname: string, https: boolean): string {
  return https ? '__Host-paddock_preview' : `__paddock_preview_${hostname.split('.')[0]}`;
}

/** Whether a cookie name is one of Paddock's (the portal session, SSO, preview sign-in): compared without case, as some parsers do. */
export function isPaddockCookie(name: string): boolean {
  return /^(__host-|__secure-|__)?paddock_/i.test(name.trim());
}

/** The sign-in cookie a preview origin sets after redeeming its one-time link. */
export function previewSessionCookie(hostname: string, https: boolean, sessionId: string): string {
  // Inside the portal's frame the preview may be a third party (portal on 127.0.0.1, preview on
  // *.localhost), where browsers drop ordinary cookies. Partitioned (CHIPS) keeps it, keyed by the
  // top-level site: only the portal's frame (or a tab opened with its own link) sees it, never a
  // frame on some other site. It needs Secure: HTTPS, or *.localhost (a secure context).
  const partitioned = https || hostname.endsWith('.localhost');
  return stringifySetCookie({
    name: previewCookieName(hostname, https), value: sessionId, path: '/', httpOnly: true, maxAge: PREVIEW_SESSION_MAX_MS / 1000,
    ...(partitioned ? { secure: true, sameSite: 'none', partitioned: true } : { sameSite: 'lax' }),
  });
}

const sessionId = /^pvs_[A-Za-z0-9_-]{43}$/;

/**
 * The Cookie header's pairs as sent: every pair, duplicates included, each with
 * its name and its text untouched. The one hand-split Cookie reader in Paddock,
 * kept on purpose: a cookie parser (the `cookie` package, as the portal's cookie
 * plugin and the IP allowlist use it) keeps one value per name and decodes it,
 * and here a tossed cookie would be that one value, and the app's own pairs
 * must reach the dev server byte for byte.
 */
function cookiePairs(header: string | undefined): Array<{ name: string; value: string; text: string }> {
  return (header ?? '').split(';').flatMap((part) => {
    const text = part.trim();
    if (!text) return [];
    const eq = text.indexOf('=');
    return [{ name: (eq < 0 ? text : text.slice(0, eq)).trim(), value: eq < 0 ? '' : text.slice(eq + 1).trim(), text }];
  });
}

/** Every value the Cookie header holds for `name` that could be a session id (a preview's by default), in order, once each. */
export function sessionCandidates(header: string | undefined, name: string, idPattern: RegExp = sessionId): string[] {
  return [...new Set(cookiePairs(header).filter((p) => p.name === name && idPattern.test(p.value)).map((p) => p.value))];
}

/** The Cookie header without Paddock's cookies; the app's own pairs pass byte for byte. */
export function withoutPaddockCookies(header: string | undefined): string {
  return cookiePairs(header).filter((p) => !isPaddockCookie(p.name)).map((p) => p.text).join('; ');
}

/** A dev server may set cookies for its own host only, and none of Paddock's. */
export function cookieAllowed(setCookie: string, hostname: string): boolean {
  const cookie = parseSetCookie(setCookie);
  if (!cookie.name || isPaddockCookie(cookie.name)) return false;
  return cookie.domain === undefined || cookie.domain.replace(/^\./, '').toLowerCase() === hostname;
}
