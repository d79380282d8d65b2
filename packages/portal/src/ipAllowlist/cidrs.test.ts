import { describe, expect, it } from 'vitest';
import { IpMatcher, normalizeIp, parseCidr, parseCidrs, resolveClientIp } from './cidrs.js';

const matcher = (...entries: string[]) => {
  const parsed = parseCidrs(entries);
  if ('error' in parsed) throw new Error(parsed.error);
  return new IpMatcher(parsed.cidrs);
};

describe('parseCidr', () => {
  it('accepts IPv4 and IPv6 networks and single addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('192.0.2.7')).toEqual({ address: '192.0.2.7', prefix: 32, family: 'ipv4' });
    expect(parseCidr('2001:db8::/32')).toEqual({ address: '2001:db8::', prefix: 32, family: 'ipv6' });
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
    expect(parseCidr('0.0.0.0/0')).toEqual({ address: '0.0.0.0', prefix: 0, family: 'ipv4' });
    expect(parseCidr('::ffff:10.0.0.0/104')).toEqual({ address: '::ffff:10.0.0.0', prefix: 104, family: 'ipv6' });
  });

  it('refuses anything loose, naming the entry', () => {
    for (const bad of ['', ' 10.0.0.0/8', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/08', '10.0.0.0/', '10.0.0/8', '300.0.0.1',
      'example.com', '2001:db8::/129', 'fe80::1%eth0', '10.0.0.1/8', '2001:db8::1/32', '1.2.3.4/8x']) {
      const r = parseCidr(bad);
      expect('error' in r, bad).toBe(true);
      if ('error' in r) expect(r.error).toContain(`"${bad}"`);
    }
    expect(parseCidrs(['10.0.0.0/8', 'nope', '::1'])).toEqual({ error: expect.stringContaining('"nope"') });
  });
});

describe('IpMatcher', () => {
  it('matches IPv4 and IPv6 networks', () => {
    const m = matcher('10.1.0.0/16', '2001:db8::/32', '192.0.2.7');
    expect(m.matches('10.1.200.3')).toBe(true);
    expect(m.matches('10.2.0.1')).toBe(false);
    expect(m.matches('192.0.2.7')).toBe(true);
    expect(m.matches('192.0.2.8')).toBe(false);
    expect(m.matches('2001:db8:ffff::1')).toBe(true);
    expect(m.matches('2001:db9::1')).toBe(false);
    expect(m.matches('not-an-ip')).toBe(false);
  });

  it('lets IPv4-mapped IPv6 clients match IPv4 rules', () => {
    expect(normalizeIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeIp('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(normalizeIp('2001:db8::1')).toBe('2001:db8::1');
    expect(matcher('127.0.0.0/8').matches('::ffff:127.0.0.1')).toBe(true);
    expect(matcher('127.0.0.0/8').matches('::ffff:128.0.0.1')).toBe(false);
  });

  it('matches nothing when empty', () => {
    expect(matcher().matches('10.0.0.1')).toBe(false);
  });
});

describe('resolveClientIp', () => {
  const proxies = matcher('10.0.0.1', '10.0.0.2');

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(resolveClientIp('203.0.113.9', '10.1.2.3', proxies)).toBe('203.0.113.9');
    expect(resolveClientIp('203.0.113.9', '10.1.2.3', matcher())).toBe('203.0.113.9');
    expect(resolveClientIp('::ffff:203.0.113.9', undefined, proxies)).toBe('203.0.113.9');
  });

  it('takes the right-most hop that is not a trusted proxy', () => {
    expect(resolveClientIp('10.0.0.1', '198.51.100.4', proxies)).toBe('198.51.100.4');
    // A client that prepends a forged address gains nothing: the proxy appended the real one.
    expect(resolveClientIp('10.0.0.1', '10.1.2.3, 198.51.100.4', proxies)).toBe('198.51.100.4');
    expect(resolveClientIp('10.0.0.1', '198.51.100.4, 10.0.0.2', proxies)).toBe('198.51.100.4');
    expect(resolveClientIp('10.0.0.1', ['1.1.1.1, 198.51.100.4', '10.0.0.2'], proxies)).toBe('198.51.100.4');
    expect(resolveClientIp('10.0.0.1', '[2001:db8::5]:4711', proxies)).toBe('2001:db8::5');
    expect(resolveClientIp('10.0.0.1', '198.51.100.4:80', proxies)).toBe('198.51.100.4');
  });

  it('falls back sensibly when every hop is a proxy or nothing was forwarded', () => {
    expect(resolveClientIp('10.0.0.1', undefined, proxies)).toBe('10.0.0.1');
    expect(resolveClientIp('10.0.0.1', '10.0.0.2', proxies)).toBe('10.0.0.2');
  });

  it('returns a malformed hop as is, which no rule matches', () => {
    const client = resolveClientIp('10.0.0.1', 'garbage', proxies);
    expect(client).toBe('garbage');
    expect(matcher('0.0.0.0/0', '::/0').matches(client)).toBe(false);
  });
});
