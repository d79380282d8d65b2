import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/** Where a request may go: one address, chosen once, connected to as is (never the name again). */
export interface Destination { address: string; family: 4 | 6 }

/** Turns a domain the policy allowed into the one address to connect to, or refuses. */
export interface Destinations {
  resolve(domain: string): Promise<Destination>;
}

/** Refused: the name doesn't resolve, or resolves where the proxy never goes. The message is for the builder. */
export class DestinationError extends Error {}

/**
 * Public unicast addresses only. A name that resolves to any loopback, private,
 * link-local (cloud metadata), carrier-grade NAT, multicast, reserved or
 * unique-local address, or to an IPv6 form that embeds IPv4 (mapped, 6to4,
 * Teredo, NAT64), is refused as a whole: the proxy must never become a way into
 * the agent host's own loopback or its network. The address checked is the one
 * connected to, so a second lookup (DNS rebinding) can't change it.
 */
export const publicDestinations: Destinations = {
  async resolve(domain: string): Promise<Destination> {
    const literal = domain.startsWith('[') && domain.endsWith(']') ? domain.slice(1, -1) : domain;
    let found: Destination[];
    if (ipaddr.isValid(literal)) {
      found = [{ address: literal, family: ipaddr.parse(literal).kind() === 'ipv6' ? 6 : 4 }];
    } else {
      try {
        found = (await lookup(domain, { all: true, verbatim: true })).map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
      } catch {
        throw new DestinationError(`${domain} does not resolve`);
      }
    }
    const closed = found.find((d) => !isPublic(d.address));
    if (closed || found.length === 0) throw new DestinationError(`${domain} resolves to ${closed?.address ?? 'nothing'}, an address the egress proxy never connects to (only public addresses)`);
    return found[0]!;
  },
};

export function isPublic(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  // An IPv4-mapped IPv6 address is judged as the IPv4 it carries (and refused below if it is one: ranges differ).
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) return false;
  return parsed.range() === 'unicast';
}
