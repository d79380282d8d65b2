import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface Cidr { address: string; prefix: number; family: 'ipv4' | 'ipv6' }

/** The 16 bytes of an IPv6 address (with or without an embedded IPv4 tail); undefined if not one. */
function ipv6Bytes(address: string): Buffer | undefined {
  if (!isIPv6(address) || address.includes('%')) return undefined;
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const bytes = Buffer.alloc(16);
  all.forEach((g, i) => bytes.writeUInt16BE(parseInt(g, 16), i * 2));
  return bytes;
}

/** `::ffff:10.1.2.3` → `10.1.2.3`; anything else unchanged. */
export function normalizeIp(address: string): string {
  const bytes = ipv6Bytes(address);
  if (!bytes) return address;
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}` : address;
}

/**
 * Parses one allowlist entry strictly: an IPv4 or IPv6 address, optionally with
 * a prefix length in range. Host bits below the prefix must be zero, so a typo
 * like 10.0.0.1/8 is caught rather than silently meaning 10.0.0.0/8.
 * Returns an error message naming the entry, or the parsed CIDR.
 */
export function parseCidr(entry: string): Cidr | { error: string } {
  const bad = (why: string) => ({ error: `"${entry.slice(0, 100)}" is not a valid CIDR: ${why}` });
  if (entry !== entry.trim() || entry === '') return bad('empty or surrounded by spaces');
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const prefixText = slash === -1 ? undefined : entry.slice(slash + 1);
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) && !address.includes('%') ? 'ipv6' : undefined;
  if (!family) return bad('not an IPv4 or IPv6 address');
  const max = family === 'ipv4' ? 32 : 128;
  if (prefixText !== undefined && !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return bad('the prefix length is not a number');
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return bad(`the prefix length is at most ${max}`);
  const bytes = family === 'ipv4' ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address)!;
  for (let bit = prefix; bit < max; bit++) {
    if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) return bad(`bits after /${prefix} are set (did you mean the network address?)`);
  }
  return { address, prefix, family };
}

/** Parses every entry; throws nothing, returns the first bad entry's message. */
export function parseCidrs(entries: string[]): { cidrs: Cidr[] } | { error: string } {
  const cidrs: Cidr[] = [];
  for (const entry of entries) {
    const parsed = parseCidr(entry);
    if ('error' in parsed) return parsed;
    cidrs.push(parsed);
  }
  return { cidrs };
}

/**
 * Whether an address falls in any of a set of CIDRs. IPv4 clients seen as
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, as on a dual-stack socket) match
 * IPv4 rules. Anything that is not an IP address matches nothing.
 */
export class IpMatcher {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(cidrs: Cidr[]) {
    for (const c of cidrs) this.list.addSubnet(c.address, c.prefix, c.family);
    this.size = cidrs.length;
  }

  matches(address: string): boolean {
    if (this.size === 0) return false;
    const ip = normalizeIp(address);
    if (isIPv4(ip)) return this.list.check(ip, 'ipv4');
    if (isIPv6(ip) && !ip.includes('%')) return this.list.check(ip, 'ipv6');
    return false;
  }
}

/** One X-Forwarded-For element without a port: `1.2.3.4:80` → `1.2.3.4`, `[::1]:80` → `::1`. */
function stripPort(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return bracketed[1]!;
  const v4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(hop);
  return v4WithPort ? v4WithPort[1]! : hop;
}

/**
 * The client's address. Only when the TCP peer is a trusted proxy is
 * X-Forwarded-For read, from the right: the first hop that is not itself a
 * trusted proxy is the client (left of it, anyone could have written anything).
 * If every hop is a trusted proxy, the left-most one is the client.
 */
export function resolveClientIp(peer: string, forwardedFor: string | string[] | undefined, trustedProxies: IpMatcher): string {
  const peerIp = normalizeIp(peer);
  if (!trustedProxies.matches(peerIp)) return peerIp;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor ?? '')
    .split(',').map((h) => h.trim()).filter(Boolean);
  let client = peerIp;
  for (let i = hops.length - 1; i >= 0; i--) {
    client = normalizeIp(stripPort(hops[i]!)).slice(0, 100);
    if (!trustedProxies.matches(client)) return client;
  }
  return client;
}
