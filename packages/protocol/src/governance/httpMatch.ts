import { domainToASCII } from 'node:url';
import picomatch from 'picomatch';

/**
 * A host name as DNS would look it up: lower case, IDNA (punycode) form, the
 * trailing dot dropped; undefined when it is no valid name (the caller denies:
 * a name no rule can read must not slip past the deny rules).
 */
export function normalizeDomain(domain: string): string | undefined {
  const trimmed = domain.trim().replace(/\.$/, '');
  if (!trimmed || /[\s/\\@?#]/.test(trimmed)) return undefined;
  const ascii = domainToASCII(trimmed);
  return ascii === '' ? undefined : ascii.toLowerCase();
}

/** `example.com` matches itself only; `*.example.com` matches any name under it, not `example.com` itself; `*` matches any. */
export function domainPatternMatches(pattern: string, domain: string): boolean {
  const host = normalizeDomain(domain);
  if (host === undefined) return false;
  if (pattern.trim() === '*') return true;
  if (pattern.startsWith('*.')) {
    const base = normalizeDomain(pattern.slice(2));
    return base !== undefined && host.endsWith(`.${base}`);
  }
  const exact = normalizeDomain(pattern);
  return exact !== undefined && host === exact;
}

/** Case-insensitive; `*` any. */
export function methodMatches(pattern: string, method: string): boolean {
  return pattern === '*' || pattern.toUpperCase() === method.toUpperCase();
}

/**
 * A request path as the server will read it: without the query, dot segments
 * resolved (`/a/../admin`, `%2e%2e` too, as URL parsing does), percent-escapes
 * decoded (`/%61dmin` is `/admin`); undefined when it can't be decoded.
 */
export function normalizeHttpPath(path: string): string | undefined {
  try {
    const pathname = new URL(path.startsWith('/') ? path : `/${path}`, 'http://paddock.invalid').pathname;
    return decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
}

/** A path glob (`/api/**`) against a request path, normalised first. */
export function httpPathMatches(pattern: string, path: string): boolean {
  const normalized = normalizeHttpPath(path);
  return normalized !== undefined && picomatch.isMatch(normalized, pattern, { dot: true });
}
