import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ssoFromEnv, type SsoConfig } from './auth/oidc/ssoConfig.js';

export interface PortalConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  tunnelHost: string;
  tunnelPort: number;
  /** Names the tunnel certificate is valid for (embedded mode generates it). */
  tunnelHostnames: string[];
  tunnelTlsCertFile: string | undefined;
  tunnelTlsKeyFile: string | undefined;
  /** Set Secure on cookies (when the portal is served over HTTPS). */
  secureCookies: boolean;
  /** The built web app; the API still works without it. */
  webDir: string;
  adminEmail: string;
  adminPassword: string | undefined;
  adminToken: string | undefined;
  /** When set and no agent has enrolled yet, a fresh enrollment token is written here (embedded mode). */
  enrollmentTokenFile: string | undefined;
  logLevel: string;
  /** Where workspaces' model calls go (Anthropic-compatible); none when unset. PADDOCK_LLM_BASE_URL, _API_KEY, _MODEL */
  llm: { baseUrl: string; apiKey: string; model: string } | undefined;
  /** The master key (base64 or hex, 32 bytes); else a key file in the data dir. */
  masterKey: string | undefined;
  /** SSO from PADDOCK_OIDC_* (wins over the admin settings); undefined when unset. */
  oidc: SsoConfig | undefined;
  /**
   * The portal's origin as browsers see it: PADDOCK_PUBLIC_URL, default http://localhost:PORT.
   * Every link the portal hands out (SSO redirect and logout, invites, previews, SCIM locations)
   * is built on it, and it is the only origin that may frame a preview; a request's Host header never is.
   */
  publicUrl: string;
  /** Older master keys still accepted during a rotation (comma-separated). */
  masterKeyPrevious: string | undefined;
  /** Previews are served on <port>--<workspace>.<previewDomain> (PADDOCK_PREVIEW_DOMAIN). */
  previewDomain: string;
  /** Published apps are served on <subdomain>.<appsDomain> (PADDOCK_APPS_DOMAIN, default apps.localhost). */
  appsDomain: string;
  /**
   * Terminal sessions per workspace: at most maxSessions live (PADDOCK_TERMINAL_MAX_SESSIONS),
   * and a shell or Claude Code session with no browser attached ends after idleMs
   * (PADDOCK_TERMINAL_IDLE_MINUTES; 0: never). Enforced by the workspace's daemon.
   */
  terminal: { maxSessions: number; idleMs: number };
  /** Scheduled backups (PADDOCK_BACKUP_*): every intervalMs (undefined: off), the newest `retention` kept in `dir`. */
  backup: { intervalMs: number | undefined; retention: number; dir: string };
  /**
   * The bearer token Prometheus sends to scrape `/metrics` (PADDOCK_METRICS_TOKEN). Unset:
   * `/metrics` answers only clients on this machine's loopback.
   */
  metricsToken: string | undefined;
  /**
   * How long the portal waits on a workspace through the tunnel (ms), and how long it keeps an
   * unused pool of connections to one (tunnel/workspaceHttp.ts). Each timeout counts silence, as a
   * socket's does. Fixed defaults, not read from the environment; tests shorten them.
   */
  tunnelHttp: TunnelHttpTimeouts;
  /** How often the reconciler checks every workspace, and when it sends an unanswered spec again (workspaces/reconciler.ts). Fixed defaults; tests shorten them. */
  reconciler: ReconcilerTimings;
}

export interface ReconcilerTimings {
  /** Every pass: a running workspace's changed route (provider key, endpoint, model) reaches its agent within this. */
  resyncEveryMs: number;
  /** A spec sent again to a running workspace and not answered goes again after this: more than its agent's own 10 s start timeout. */
  refreshTimeoutMs: number;
}

export interface TunnelHttpTimeouts {
  /** The agent to open a dialed stream. */
  dialMs: number;
  /** The daemon's files API (the code editor). */
  filesMs: number;
  /** The daemon's list of listening ports (previews). */
  portsMs: number;
  /** OpenCode's response headers (it can miss a request that reaches it as it starts listening). */
  aiHeadersMs: number;
  /** The rest of OpenCode's JSON answers (its event stream has none). */
  aiMs: number;
  /** A dev server's response headers, through a preview. */
  previewHeadersMs: number;
  /** A pool of connections nobody used for this long closes. */
  poolIdleMs: number;
}

export const defaultTunnelHttp: TunnelHttpTimeouts = {
  dialMs: 10_000, filesMs: 30_000, portsMs: 5_000, aiHeadersMs: 5_000, aiMs: 30_000, previewHeadersMs: 60_000, poolIdleMs: 5 * 60_000,
};

export const defaultReconcilerTimings: ReconcilerTimings = { resyncEveryMs: 5_000, refreshTimeoutMs: 15_000 };

const defaultWebDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** A whole number from the environment, within bounds. */
function bounded(value: string | undefined, fallback: number, name: string, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${value}"`);
  return n;
}

/** PADDOCK_PUBLIC_URL as an origin: http or https, a host and maybe a port, nothing else (the portal serves from its root). */
function publicOrigin(value: string | undefined, port: number): string {
  if (!value) return `http://localhost:${port}`;
  const problem = `PADDOCK_PUBLIC_URL must be the portal's origin as browsers reach it, such as https://paddock.example.com, got "${value}"`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(problem);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password || url.pathname !== '/' || url.search || url.hash) throw new Error(problem);
  return url.origin;
}

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `6h`, `1d`; `off` (or empty) for none. */
function backupInterval(value: string | undefined, fallback: string): number | undefined {
  const v = (value ?? fallback).trim().toLowerCase();
  if (v === 'off' || v === '') return undefined;
  const m = /^(\d+)([mhd])$/.exec(v);
  const ms = m ? Number(m[1]) * DURATION_UNITS[m[2]!]! : NaN;
  if (!(ms >= 60_000)) throw new Error(`PADDOCK_BACKUP_INTERVAL must be a duration of at least a minute such as 30m, 6h or 1d, or off; got "${value}"`);
  return ms;
}

function retention(value: string | undefined): number {
  if (value === undefined || value === '') return 7;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error(`PADDOCK_BACKUP_RETENTION must be a number of backups from 1 to 1000, got "${value}"`);
  return n;
}

/** Reads the portal's settings from the environment (see docs/operations.md). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): PortalConfig {
  const dataDir = resolve(env.PADDOCK_DATA_DIR ?? './data');
  const port = int(env.PORT, 8080, 'PORT');
  const config: PortalConfig = {
    host: env.HOST ?? '127.0.0.1',
    port,
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    tunnelHost: env.PADDOCK_TUNNEL_HOST ?? '127.0.0.1',
    tunnelPort: int(env.PADDOCK_TUNNEL_PORT, 8443, 'PADDOCK_TUNNEL_PORT'),
    tunnelHostnames: (env.PADDOCK_TUNNEL_HOSTNAMES ?? 'localhost').split(',').map((s) => s.trim()).filter(Boolean),
    tunnelTlsCertFile: env.PADDOCK_TUNNEL_TLS_CERT || undefined,
    tunnelTlsKeyFile: env.PADDOCK_TUNNEL_TLS_KEY || undefined,
    secureCookies: env.PADDOCK_SECURE_COOKIES === 'true',
    webDir: env.PADDOCK_WEB_DIR ? resolve(env.PADDOCK_WEB_DIR) : defaultWebDir,
    adminEmail: (env.PADDOCK_ADMIN_EMAIL ?? 'admin@paddock.local').trim().toLowerCase(),
    adminPassword: env.PADDOCK_ADMIN_PASSWORD || undefined,
    adminToken: env.PADDOCK_ADMIN_TOKEN || undefined,
    enrollmentTokenFile: env.PADDOCK_ENROLLMENT_TOKEN_FILE || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    llm: env.PADDOCK_LLM_BASE_URL
      ? { baseUrl: env.PADDOCK_LLM_BASE_URL, apiKey: env.PADDOCK_LLM_API_KEY ?? '', model: env.PADDOCK_LLM_MODEL ?? '' }
      : undefined,
    masterKey: env.PADDOCK_MASTER_KEY || undefined,
    oidc: ssoFromEnv(env),
    publicUrl: publicOrigin(env.PADDOCK_PUBLIC_URL, port),
    masterKeyPrevious: env.PADDOCK_MASTER_KEY_PREVIOUS || undefined,
    previewDomain: (env.PADDOCK_PREVIEW_DOMAIN || 'preview.localhost').trim().toLowerCase().replace(/^\.+|\.+$/g, ''),
    appsDomain: (env.PADDOCK_APPS_DOMAIN || 'apps.localhost').trim().toLowerCase().replace(/^\.+|\.+$/g, ''),
    terminal: {
      maxSessions: bounded(env.PADDOCK_TERMINAL_MAX_SESSIONS, 16, 'PADDOCK_TERMINAL_MAX_SESSIONS', 1, 1000),
      idleMs: bounded(env.PADDOCK_TERMINAL_IDLE_MINUTES, 60, 'PADDOCK_TERMINAL_IDLE_MINUTES', 0, 7 * 24 * 60) * 60_000,
    },
    backup: {
      // On by default for the embedded database only: with PostgreSQL, its own backups are the operator's.
      intervalMs: backupInterval(env.PADDOCK_BACKUP_INTERVAL, env.DATABASE_URL ? 'off' : '1d'),
      retention: retention(env.PADDOCK_BACKUP_RETENTION),
      dir: env.PADDOCK_BACKUP_DIR ? resolve(env.PADDOCK_BACKUP_DIR) : resolve(dataDir, 'backups'),
    },
    metricsToken: metricsToken(env.PADDOCK_METRICS_TOKEN),
    tunnelHttp: { ...defaultTunnelHttp },
    reconciler: { ...defaultReconcilerTimings },
  };
  assertSeparateOrigins(config);
  return config;
}

/**
 * The portal, previews and apps must never share an origin or a cookie scope: an app
 * under the preview domain (or the portal's host under the apps domain) would be
 * answered by the wrong one, and could be sent the other's cookies.
 */
function assertSeparateOrigins(config: Pick<PortalConfig, 'publicUrl' | 'previewDomain' | 'appsDomain'>): void {
  const { previewDomain: preview, appsDomain: apps } = config;
  const portalHost = new URL(config.publicUrl).hostname.toLowerCase();
  const nested = (a: string, b: string) => a === b || a.endsWith(`.${b}`);
  if (!apps) throw new Error('PADDOCK_APPS_DOMAIN is empty');
  if (nested(apps, preview) || nested(preview, apps)) {
    throw new Error(`PADDOCK_APPS_DOMAIN (${apps}) and PADDOCK_PREVIEW_DOMAIN (${preview}) must be separate domains, neither inside the other`);
  }
  if (nested(portalHost, apps) || nested(portalHost, preview)) {
    throw new Error(`the portal's host ${portalHost} must not be inside PADDOCK_APPS_DOMAIN (${apps}) or PADDOCK_PREVIEW_DOMAIN (${preview})`);
  }
}

function metricsToken(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (value.length < 16) throw new Error('PADDOCK_METRICS_TOKEN must be at least 16 characters: anyone who guesses it reads the portal\'s metrics');
  return value;
}
