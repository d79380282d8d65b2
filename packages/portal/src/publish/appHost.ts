import { subdomainSchema } from '@paddock/protocol';

const hostnameOf = (host: string) => host.replace(/:\d+$/, '').toLowerCase();

/** An app's origin: the public URL's scheme and port on `<subdomain>.<apps domain>` (the portal serves both). */
export function appOrigin(publicUrl: string, domain: string, subdomain: string): string {
  const portal = new URL(publicUrl);
  return `${portal.protocol}//${subdomain}.${domain}${portal.port ? `:${portal.port}` : ''}`;
}

/** Whether a Host header names something under the apps domain: app territory, never the portal's. */
export function inAppsDomain(host: string | undefined, domain: string): boolean {
  return !!host && hostnameOf(host).endsWith(`.${domain}`);
}

/** The subdomain a Host header names under the apps domain: one DNS label, else undefined (no deeper names). */
export function parseAppHost(host: string | undefined, domain: string): { subdomain: string; hostname: string } | undefined {
  if (!inAppsDomain(host, domain)) return undefined;
  const hostname = hostnameOf(host!);
  const subdomain = hostname.slice(0, -(domain.length + 1));
  return subdomainSchema.safeParse(subdomain).success ? { subdomain, hostname } : undefined;
}
