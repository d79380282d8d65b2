import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What the package managers use when nothing is configured. */
const NPM_DEFAULT = 'registry.npmjs.org';
const PIP_DEFAULTS = ['pypi.org', 'files.pythonhosted.org'];

export interface RegistrySources {
  env: NodeJS.ProcessEnv;
  /** A file's text, or undefined when it can't be read. */
  read(path: string): string | undefined;
  list(dir: string): string[];
  home: string;
}

const machine: RegistrySources = {
  env: process.env,
  read: (path) => { try { return readFileSync(path, 'utf8'); } catch { return undefined; } },
  list: (dir) => { try { return readdirSync(dir); } catch { return []; } },
  home: homedir(),
};

const hostOf = (url: string): string | undefined => {
  try { return new URL(url.trim()).hostname.toLowerCase() || undefined; } catch { return undefined; }
};

/** `key = value` lines of an ini-like file (.npmrc, pip.conf); comments and sections ignored. */
function iniValues(text: string | undefined, key: string): string[] {
  if (!text) return [];
  const re = new RegExp(`^\\s*${key}\\s*[=:]\\s*(\\S+)`, 'i');
  return text.split('\n').map((line) => re.exec(line)?.[1]).filter((v): v is string => Boolean(v));
}

/**
 * The package registries this machine's package managers are configured with,
 * as host names: the default org policy allows exactly these (issue 9). npm
 * (`npm_config_registry`, the user's and the global .npmrc, scoped
 * registries too), pip (`PIP_INDEX_URL`, pip.conf) and apt (its sources), each
 * with its default when nothing is set. `PADDOCK_GOVERNANCE_REGISTRIES`
 * (comma-separated host names) replaces all of it, for machines whose
 * workspaces use other mirrors than the portal's host.
 */
export function configuredRegistries(sources: RegistrySources = machine): string[] {
  const explicit = sources.env.PADDOCK_GOVERNANCE_REGISTRIES;
  if (explicit !== undefined) return unique(explicit.split(',').map((s) => s.trim().toLowerCase()));

  const npmrcs = [join(sources.home, '.npmrc'), '/etc/npmrc', '/usr/etc/npmrc'].map((p) => sources.read(p));
  const npm = [
    sources.env.npm_config_registry,
    ...npmrcs.flatMap((t) => iniValues(t, '(?:@[\\w.-]+:)?registry')),
  ].map((u) => u && hostOf(u));

  const pipConfs = [join(sources.home, '.config/pip/pip.conf'), join(sources.home, '.pip/pip.conf'), '/etc/pip.conf'].map((p) => sources.read(p));
  const pip = [
    sources.env.PIP_INDEX_URL, ...(sources.env.PIP_EXTRA_INDEX_URL ?? '').split(/\s+/),
    ...pipConfs.flatMap((t) => [...iniValues(t, 'index-url'), ...iniValues(t, 'extra-index-url')]),
  ].map((u) => u && hostOf(u));

  const aptFiles = ['/etc/apt/sources.list', ...sources.list('/etc/apt/sources.list.d').map((f) => join('/etc/apt/sources.list.d', f))];
  const apt = aptFiles.flatMap((f) => aptHosts(sources.read(f)));

  return unique([
    ...(npm.some(Boolean) ? npm : [NPM_DEFAULT]),
    ...(pip.some(Boolean) ? pip : PIP_DEFAULTS),
    ...apt,
  ]);
}

/** Hosts of an apt sources file, one-line (`deb http://… suite`) or deb822 (`URIs: http://…`). */
function aptHosts(text: string | undefined): string[] {
  if (!text) return [];
  const hosts: string[] = [];
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (l.startsWith('#')) continue;
    const oneLine = /^deb(?:-src)?\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(l)?.[1];
    const deb822 = /^URIs:\s*(.+)$/i.exec(l)?.[1];
    for (const uri of oneLine ? [oneLine] : deb822 ? deb822.split(/\s+/) : []) {
      const host = hostOf(uri);
      if (host) hosts.push(host);
    }
  }
  return hosts;
}

function unique(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => Boolean(v)))].sort();
}
