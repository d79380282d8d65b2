import type {
  EffectivePolicy, GovernanceAction, GovernanceOverride, GovernancePolicy, KillSwitchState, PolicyRule, RuleMatch,
} from './governanceApi.js';

/** How long a held action waits for an admin before it is denied (issue 9: 5 minutes). */
export const DEFAULT_HOLD_TIMEOUT_SECONDS = 300;

/**
 * How the agent's decider reads rules (packages/protocol/src/governance/*Match.ts):
 * a command pattern is matched against each subcommand's words joined by single
 * spaces, `*` any run of characters (spaces and slashes too), with no escape;
 * paths, refs and HTTP paths are picomatch globs (`*` within a segment, `**`
 * across, `?`, `\` makes the next character literal); a remote's `*` is any run,
 * with no escape. The default rules lean on `*` crossing spaces (`rm -*r* /**`
 * is `rm -rf /etc`, `rm -r -f /etc`, `rm --recursive /etc`).
 */
const recursiveRm = ['-*r*', '-*R*'];
/** Where a recursive rm is asked for: the root or any absolute path, home, a variable, a parent directory. */
const outsideWorkspace = ['/**', '~**', '$**', '**..**'];

/** Database drops through a CLI, as command globs (both cases: a glob is case-sensitive). */
const databaseDrops = [
  'dropdb **',
  ...['drop database', 'DROP DATABASE', 'drop table', 'DROP TABLE', 'drop schema', 'DROP SCHEMA'].flatMap((sql) => [
    `psql **${sql}**`, `mysql **${sql}**`, `mariadb **${sql}**`, `sqlite3 **${sql}**`,
  ]),
  'mysqladmin **drop **',
  'mongosh **dropDatabase**', 'mongo **dropDatabase**',
  'redis-cli **flushall**', 'redis-cli **FLUSHALL**',
];

const rule = (id: string, r: Omit<PolicyRule, 'id'>): PolicyRule => ({ id, ...r });

/**
 * The org policy a new portal starts with (issue 9, "Defaults an admin can live
 * with"): monitor mode, so nothing is blocked until an admin enforces; writes
 * inside /workspace allowed and others asked; force pushes, branch deletions,
 * recursive rm outside /workspace and database drops asked; the package
 * registries the machine is configured with allowed, every other domain denied.
 *
 * An absolute rm under /workspace is asked too: a glob can't tell
 * `rm -rf /workspace/a /etc` from `rm -rf /workspace/a`, and the agents' usual
 * relative paths (`rm -rf node_modules`) fall to the class's allow.
 */
export function defaultGovernancePolicy(registries: string[]): GovernancePolicy {
  const domains = [...new Set(registries.map((d) => d.trim().toLowerCase()).filter(Boolean))].sort();
  return {
    mode: 'monitor',
    defaults: { llm_call: 'allow', bash_command: 'allow', file_write: 'ask', git_push: 'allow', http_request: 'deny' },
    rules: [
      rule('default-write-workspace', { class: 'file_write', match: { path: '/workspace/**' }, verdict: 'allow' }),
      rule('default-write-workspace-root', { class: 'file_write', match: { path: '/workspace' }, verdict: 'allow' }),
      rule('default-force-push', { class: 'git_push', match: { force: true }, verdict: 'ask' }),
      rule('default-branch-delete', { class: 'git_push', match: { delete: true }, verdict: 'ask' }),
      ...recursiveRm.flatMap((flags, i) => outsideWorkspace.map((where, j) =>
        rule(`default-rm-${i * outsideWorkspace.length + j + 1}`, { class: 'bash_command', match: { command: `rm ${flags} ${where}` }, verdict: 'ask' }))),
      ...databaseDrops.map((command, i) => rule(`default-db-drop-${i + 1}`, { class: 'bash_command', match: { command }, verdict: 'ask' })),
      ...domains.map((domain, i) => rule(`default-registry-${i + 1}`, { class: 'http_request', match: { domain }, verdict: 'allow' })),
    ],
    contentFilters: { secrets: true, privateKeys: true, exfiltration: true },
  };
}

/** The kill switch as it applies to one workspace: the org's wins over its blueprint's. */
export function killSwitchFor(org: KillSwitchState, blueprint: KillSwitchState | undefined): EffectivePolicy['killSwitch'] {
  if (org.engaged) return { engaged: true, scope: 'org', ...(org.reason ? { reason: org.reason } : {}) };
  if (blueprint?.engaged) return { engaged: true, scope: 'blueprint', ...(blueprint.reason ? { reason: blueprint.reason } : {}) };
  return { engaged: false };
}

export interface EffectivePolicyOptions {
  /**
   * Rules tried before all others: the workspace's grants (an admin's "approve
   * for N minutes" or "approve and add a rule" on one of its held actions).
   */
  grants?: PolicyRule[];
  holdTimeoutSeconds?: number;
}

/**
 * One workspace's policy: the org's with its blueprint's override applied.
 * A field the override leaves out inherits the org's; `defaults` and
 * `contentFilters` inherit key by key. Rules: the override's first, then the
 * org's. The first matching rule decides, so a blueprint can both loosen
 * (allow a domain its app needs) and tighten (deny what the org allows) for
 * itself; an org rule the blueprint does not contradict still applies. Grants
 * come before both: each matches exactly one action an admin decided.
 * Passthrough domains: the org's and the blueprint's together.
 */
export function effectivePolicy(
  org: GovernancePolicy,
  override: GovernanceOverride | undefined,
  killSwitch: EffectivePolicy['killSwitch'],
  options: EffectivePolicyOptions = {},
): EffectivePolicy {
  const o = override ?? {};
  const passthrough = [...new Set([...o.passthrough ?? [], ...org.passthrough ?? []])];
  return {
    mode: o.mode ?? org.mode,
    defaults: { ...org.defaults, ...definedOnly(o.defaults ?? {}) },
    rules: [...options.grants ?? [], ...o.rules ?? [], ...org.rules],
    contentFilters: { ...org.contentFilters, ...definedOnly(o.contentFilters ?? {}) },
    // Only when set: a policy without it keeps the issue's shape.
    ...(passthrough.length ? { passthrough } : {}),
    killSwitch,
    holdTimeoutSeconds: options.holdTimeoutSeconds ?? DEFAULT_HOLD_TIMEOUT_SECONDS,
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A picomatch glob that matches exactly this text: its metacharacters (classes, braces, extglobs too) made literal. */
export const literalGlob = (text: string): string => text.replace(/[\\*?[\]{}()!+@]/g, (c) => `\\${c}`);

/**
 * A command pattern has no escape, and is matched per subcommand after the
 * shell's quoting is read: only a plain command (words, no wildcard, no
 * quoting, no operators, no expansions) is matched exactly by its own text.
 */
const PLAIN_COMMAND = /^[A-Za-z0-9_./:=,%^~+@-]+(?: +[A-Za-z0-9_./:=,%^~+@-]+)*$/;

/**
 * The match of a rule that covers exactly this action and nothing more: what an
 * admin's "approve for N minutes" or "… and add a rule" adds, so a decision can
 * narrow what was asked but never widen it. Undefined where no pattern can name
 * exactly this one action: a model call (a rule would cover them all), a
 * command that is not plain (a wildcard, quoting, several subcommands), a
 * remote with a `*`. Such an action is decided once.
 */
export function exactMatchOf(action: GovernanceAction): RuleMatch | undefined {
  switch (action.class) {
    case 'llm_call': return undefined;
    case 'bash_command': {
      const command = action.command.trim().replace(/ +/g, ' ');
      return PLAIN_COMMAND.test(command) ? { command } : undefined;
    }
    case 'file_write': return { path: literalGlob(action.path) };
    case 'git_push':
      if (action.remote.includes('*')) return undefined;
      return { remote: action.remote, ref: literalGlob(action.ref), force: action.force, delete: action.delete };
    case 'http_request': {
      // The decider matches the path without its query: a pattern with one would match nothing.
      const path = action.path.split('?')[0] || '/';
      return { domain: action.domain.toLowerCase(), method: action.method.toUpperCase(), path: literalGlob(path) };
    }
  }
}
