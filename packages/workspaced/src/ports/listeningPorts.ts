import { readFileSync } from 'node:fs';

export interface ListeningPort {
  port: number;
  /** The address it listens on, as the kernel reports it: 127.0.0.1, 0.0.0.0, ::1 or ::. */
  address: string;
}

const LISTEN = '0A';

/** Loopback and wildcard addresses, as /proc/net/tcp{,6} spell them (hex, each 32-bit word little-endian). */
const reachable: Record<string, string> = {
  '0100007F': '127.0.0.1',
  '00000000': '0.0.0.0',
  '00000000000000000000000001000000': '::1',
  '00000000000000000000000000000000': '::',
  '0000000000000000FFFF00000100007F': '127.0.0.1',
};

/**
 * TCP ports something listens on in this network namespace (inside a sandbox:
 * the sandbox's own), on loopback or every address: the dev servers a preview
 * can reach. Sorted, each port once.
 */
export function listeningPorts(procNet = '/proc/net'): ListeningPort[] {
  const found = new Map<number, ListeningPort>();
  for (const file of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`${procNet}/${file}`, 'utf8');
    } catch {
      continue; // no IPv6 in this namespace
    }
    for (const entry of parseProcNetTcp(text)) if (!found.has(entry.port)) found.set(entry.port, entry);
  }
  return [...found.values()].sort((a, b) => a.port - b.port);
}

/** The LISTEN sockets of one /proc/net/tcp or tcp6 table on a reachable address. */
export function parseProcNetTcp(text: string): ListeningPort[] {
  const out: ListeningPort[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    if (!local || fields[3] !== LISTEN) continue;
    const [hexAddress, hexPort] = local.split(':');
    const address = reachable[(hexAddress ?? '').toUpperCase()];
    const port = Number.parseInt(hexPort ?? '', 16);
    if (address && Number.isInteger(port) && port > 0) out.push({ port, address });
  }
  return out;
}
