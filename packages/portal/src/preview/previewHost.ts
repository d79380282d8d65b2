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

/** Reads a Host header; undefined when it isn't a preview host of this domain. */
export function parsePreviewHost(host: string | undefined, domain: string): PreviewTarget | undefined {
  if (!host) return undefined;
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  const suffix = `.${domain}`;
  if (!hostname.endsWith(suffix)) return undefined;
  const match = label.exec(hostname.slice(0, -suffix.length));
  if (!match) return undefined;
  const port = Number(match[1]);
  if (port < 1024 || port > 65535) return undefined;
  return { workspaceId: match[2]!, port, hostname };
}
