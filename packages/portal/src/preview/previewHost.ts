import { RESERVED_PORTS } from '@paddock/protocol';

/** One preview origin: a port of a workspace. */
export interface PreviewTarget {
  workspaceId: string;
  port: number;
  /** The preview's host name, without the portal's port. */
  hostname: string;
}

const label = /^(\d{4,5})--([a-z0-9][a-z0-9-]{0,63})$/;

/** `<port>--<workspaceId>.<domain>`, the origin a preview is served on (one per workspace and port). */
export function previewHostname(domain: string, workspaceId: string, port: number): string {
  return `${port}--${workspaceId.toLowerCase()}.${domain}`;
}

/** A preview's origin: the public URL's scheme and port on the preview's host name (the portal serves both). */
export function previewOrigin(publicUrl: string, domain: string, workspaceId: string, port: number): string {
  const portal = new URL(publicUrl);
  return `${portal.protocol}//${previewHostname(domain, workspaceId, port)}${portal.port ? `:${portal.port}` : ''}`;
}

const hostnameOf = (host: string) => host.replace(/:\d+$/, '').toLowerCase();

/** Whether a Host header names something under the preview domain: preview territory, never the portal's. */
export function inPreviewDomain(host: string | undefined, domain: string): boolean {
  return !!host && hostnameOf(host).endsWith(`.${domain}`);
}

/** Reads a Host header; undefined unless it names a previewable port of a workspace under this domain. */
export function parsePreviewHost(host: string | undefined, domain: string): PreviewTarget | undefined {
  if (!inPreviewDomain(host, domain)) return undefined;
  const hostname = hostnameOf(host!);
  const match = label.exec(hostname.slice(0, -(domain.length + 1)));
  if (!match) return undefined;
  const port = Number(match[1]);
  if (port < 1024 || port > 65535 || RESERVED_PORTS.has(port)) return undefined;
  return { workspaceId: match[2]!, port, hostname };
}
