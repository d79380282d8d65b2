import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { posix } from 'node:path';
import {
  exactMatchOf, literalGlob,
  type EffectivePolicy, type GovernanceAction, type GovernanceOverride, type GovernanceSuggestions, type PolicyRule, type RuleMatch, type SuggestedRule,
} from '@paddock/protocol';
import {
  domainPatternMatches, evaluate, normalizeDomain, normalizeRemote, normalizeWorkspacePath, parseCommandLine, WORKSPACE_ROOT,
} from '@paddock/protocol/governance';
import type { PortalServices } from '../services.js';
import type { GovernanceSimulator, ReplayedEvent } from './governanceSimulator.js';

type Deps = Pick<PortalServices, 'governancePolicies'> & { simulator: GovernanceSimulator };

/** Examples kept per suggestion. */
const EXAMPLES = 3;
/** Programs whose first argument names what they do (`git push`, `npm install`): their rules keep it. */
const WITH_SUBCOMMANDS = new Set([
  'git', 'npm', 'npx', 'pnpm', 'yarn', 'bun', 'deno', 'node', 'docker', 'kubectl', 'helm', 'pip', 'pip3', 'uv', 'poetry', 'cargo', 'go',
  'make', 'gh', 'terraform', 'aws', 'gcloud', 'az', 'apt', 'apt-get', 'brew', 'dotnet', 'mvn', 'gradle',
]);
/** Second-level labels under a country code that are a suffix, not a company (`example.co.uk` is `example`'s). */
const SECOND_LEVEL = new Set(['co', 'com', 'org', 'net', 'ac', 'gov', 'edu', 'ne', 'or', 'go']);

interface Candidate { rule: Omit<PolicyRule, 'id'>; why: string }
interface Covered { candidate: Candidate; events: Set<string>; users: Set<string>; workspaces: Set<string>; examples: string[] }

/**
 * Suggested allowlists (issue 9, "Beyond every peer"): from what a blueprint's
 * workspaces did in monitor mode that its policy, as saved today, would hold or
 * deny in enforce, the allow rules that would let it through: a domain, or
 * `*.` its parent when several of its subdomains were used; a command by its
 * program (and subcommand, for `git`, `npm` and the like); a file write by its
 * directory; a push by its remote. Never `*`, never wider than a rule an admin
 * wrote to hold or deny (then the exact action instead), never over an explicit
 * rule's decision (only what fell to a class's default), never a model call (a
 * rule would allow them all). Adopting one is adding it to the blueprint's
 * override (`PUT /api/v1/blueprints/:id/governance`); `effect` is the simulator's
 * report of adding them all.
 */
export class GovernanceSuggester {
  constructor(private readonly deps: Deps) {}

  async suggest(blueprintId: string, days: number): Promise<GovernanceSuggestions> {
    const { governancePolicies, simulator } = this.deps;
    await governancePolicies.assertBlueprint(blueprintId);
    const saved = await governancePolicies.storedOverride(blueprintId);
    const found = new Map<string, Covered>();
    const cover = (candidate: Candidate, e: ReplayedEvent) => {
      const key = JSON.stringify([candidate.rule.class, candidate.rule.match]);
      let c = found.get(key);
      if (!c) found.set(key, (c = { candidate, events: new Set(), users: new Set(), workspaces: new Set(), examples: [] }));
      c.events.add(e.id);
      c.users.add(e.userId);
      c.workspaces.add(e.workspaceId);
      if (c.examples.length < EXAMPLES && !c.examples.includes(e.summary)) c.examples.push(e.summary);
    };
    const domains: ReplayedEvent[] = [];
    await simulator.replay({ blueprintId, override: saved }, { days, blueprintId, monitorOnly: true }, (e) => {
      if (e.to.verdict === 'allow') return;
      if (e.action.class === 'http_request') {
        if (e.to.ruleId === undefined) domains.push(e);
        return;
      }
      for (const candidate of candidatesFor(e.action, e.policy, e.to.ruleId)) cover(candidate, e);
    }, () => undefined);
    for (const [candidate, events] of domainCandidates(domains)) for (const e of events) cover(candidate, e);

    const all: SuggestedRule[] = [...found.values()].map((c) => ({
      rule: { id: ruleId(c.candidate.rule), ...c.candidate.rule }, why: c.candidate.why,
      events: c.events.size, users: c.users.size, workspaces: c.workspaces.size, examples: c.examples,
    })).sort((a, b) => b.events - a.events || a.rule.id!.localeCompare(b.rule.id!));
    const overreaching = await this.overreaching(blueprintId, days, saved, all);
    const suggestions = all.filter((s) => !overreaching.has(s.rule.id!));
    const effect = await simulator.report({ blueprintId, override: withRules(saved, suggestions) }, { days, blueprintId });
    return { blueprintId, days, suggestions, effect };
  }

  /**
   * The suggestions that, added, would decide a recorded event (of any mode) that a hold or
   * deny rule an admin wrote decides today: the checks above are by pattern, this one by the
   * events themselves, through the evaluator. Such a suggestion is not made.
   */
  private async overreaching(blueprintId: string, days: number, saved: GovernanceOverride, suggestions: SuggestedRule[]): Promise<Set<string>> {
    const ids = new Set(suggestions.map((s) => s.rule.id!));
    const out = new Set<string>();
    if (!ids.size) return out;
    await this.deps.simulator.replay({ blueprintId, override: withRules(saved, suggestions) }, { days, blueprintId }, (e) => {
      if (e.to.ruleId === undefined || !ids.has(e.to.ruleId)) return;
      const today = evaluate({ ...e.policy, rules: e.policy.rules.filter((r) => r.id === undefined || !ids.has(r.id)) }, e.action);
      if (today.ruleId !== undefined && today.verdict !== 'allow') out.add(e.to.ruleId);
    }, () => undefined);
    return out;
  }
}

const withRules = (saved: GovernanceOverride, suggestions: SuggestedRule[]): GovernanceOverride =>
  ({ ...saved, rules: [...saved.rules ?? [], ...suggestions.map((s) => s.rule)] });

/** A stable id: the same suggestion has the same id tomorrow, so adopting it twice is seen as twice. */
function ruleId(rule: Omit<PolicyRule, 'id'>): string {
  return `suggested-${createHash('sha256').update(JSON.stringify([rule.class, rule.match])).digest('hex').slice(0, 10)}`;
}

const nonAllow = (policy: EffectivePolicy, cls: GovernanceAction['class']) => policy.rules.filter((r) => r.class === cls && r.verdict !== 'allow');

/** What would allow one action that isn't a web request (those are grouped by domain), decided by its class's default. */
function candidatesFor(action: GovernanceAction, policy: EffectivePolicy, decidingRule: string | undefined): Candidate[] {
  switch (action.class) {
    case 'llm_call':
      return [];
    case 'bash_command':
      return commandCandidates(action.command, policy);
    case 'file_write': {
      if (decidingRule !== undefined) return [];
      const path = normalizeWorkspacePath(action.path);
      const dir = posix.dirname(path);
      const wide = `${literalGlob(dir)}/**`;
      // Not a whole top-level directory (`/tmp/**`, `/etc/**`), nor over a rule an admin wrote.
      const narrow = dir.split('/').length < 3 || nonAllow(policy, 'file_write').some((r) => r.match.path === undefined || overlapsDir(r.match.path, dir));
      return narrow
        ? [{ rule: { class: 'file_write', match: { path: literalGlob(path) }, verdict: 'allow' }, why: `Allows writing ${path}.` }]
        : [{ rule: { class: 'file_write', match: { path: wide }, verdict: 'allow' }, why: `Allows writing files under ${dir}/.` }];
    }
    case 'git_push': {
      if (decidingRule !== undefined) return [];
      const remote = normalizeRemote(action.remote);
      if (remote.includes('*')) return [];
      const plain = !action.force && !action.delete && action.ref.startsWith('refs/heads/');
      const ruled = nonAllow(policy, 'git_push').some((r) => r.match.force !== true && r.match.delete !== true);
      if (plain && !ruled) {
        return [{ rule: { class: 'git_push', match: { remote, ref: 'refs/heads/**', force: false, delete: false }, verdict: 'allow' }, why: `Allows pushing branches (not forced, not deleted) to ${remote}.` }];
      }
      const exact = exactMatchOf({ ...action, remote });
      return exact ? [{ rule: { class: 'git_push', match: exact, verdict: 'allow' }, why: `Allows exactly this push to ${remote} ${action.ref}.` }] : [];
    }
    case 'http_request':
      return [];
  }
}

/**
 * Per subcommand the policy doesn't allow by its default, a glob of its program
 * (and subcommand): `npm install *`, `curl *`. A line the policy can't read
 * (opaque) gets none: no rule can allow it. A subcommand an admin's rule holds
 * or denies gets none. A glob that would reach into such a rule's commands
 * (`rm *` beside `rm -rf /**`) is the exact command instead, when it is plain.
 */
function commandCandidates(command: string, policy: EffectivePolicy): Candidate[] {
  const line = parseCommandLine(command);
  if (line.opaque) return [];
  const out: Candidate[] = [];
  for (const words of line.subcommands) {
    const [head, second] = words;
    if (head === undefined) continue;
    const alone = evaluate(policy, { class: 'bash_command', command: words.map(shellQuote).join(' ') });
    if (alone.verdict === 'allow' || alone.ruleId !== undefined) continue;
    const prefix = second !== undefined && WITH_SUBCOMMANDS.has(head) && /^[A-Za-z0-9][\w:.-]*$/.test(second) ? `${head} ${second}` : head;
    if (!prefix.includes('*') && !reachesRule(prefix, policy)) {
      out.push({ rule: { class: 'bash_command', match: { command: `${prefix} *` }, verdict: 'allow' }, why: `Allows \`${prefix}\` with any arguments.` });
      continue;
    }
    const exact = exactMatchOf({ class: 'bash_command', command: words.join(' ') });
    if (exact) out.push({ rule: { class: 'bash_command', match: exact, verdict: 'allow' }, why: `Allows exactly \`${exact.command}\` (a wider rule would reach a rule that holds or denies \`${head}\`).` });
  }
  return out;
}

/** Whether `prefix *` could match a command a hold or deny rule is about: the rule's program is the prefix's, or any. */
function reachesRule(prefix: string, policy: EffectivePolicy): boolean {
  const program = prefix.split(' ')[0]!;
  return nonAllow(policy, 'bash_command').some((r) => {
    const pattern = r.match.command?.trim();
    if (pattern === undefined) return true;
    const first = pattern.split(/\s+/)[0]!;
    if (first.includes('*') && !first.replace(/\*+$/, '')) return true;
    const stem = first.replace(/[*:].*$/, '');
    return program.startsWith(stem) || stem.startsWith(program);
  });
}

const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** Whether a path glob could match something under `dir`: its literal start (before any glob character) and the directory don't part ways. */
function overlapsDir(pattern: string, dir: string): boolean {
  const absolute = pattern.startsWith('/') ? pattern : `${WORKSPACE_ROOT}/${pattern}`;
  const literal = absolute.split(/[*?[\]{}()!+@\\]/)[0]!;
  const under = `${dir}/`;
  return under.startsWith(literal) || literal.startsWith(under);
}

/**
 * Web requests a domain's default denied, grouped: several subdomains of one
 * parent (`api.github.com`, `uploads.github.com`) are `*.github.com`; one is
 * itself. Never `*`, never a suffix alone (`*.com`, `*.co.uk`), never an IP
 * range, and exact domains where a hold or deny rule an admin wrote could be
 * reached (a domain under the parent, or a rule that names no domain: then the
 * method too).
 */
function domainCandidates(events: ReplayedEvent[]): [Candidate, ReplayedEvent[]][] {
  const byDomain = new Map<string, ReplayedEvent[]>();
  for (const e of events) {
    if (e.action.class !== 'http_request') continue;
    const domain = normalizeDomain(e.action.domain);
    if (domain === undefined) continue;
    byDomain.set(domain, [...byDomain.get(domain) ?? [], e]);
  }
  const byParent = new Map<string, string[]>();
  for (const domain of byDomain.keys()) {
    const parent = parentOf(domain);
    if (parent !== undefined && parent !== domain) byParent.set(parent, [...byParent.get(parent) ?? [], domain]);
  }
  const out: [Candidate, ReplayedEvent[]][] = [];
  const done = new Set<string>();
  for (const [parent, domains] of byParent) {
    if (domains.length < 2) continue;
    const grouped = domains.flatMap((d) => byDomain.get(d)!);
    const rules = nonAllow(grouped[0]!.policy, 'http_request');
    if (rules.some((r) => r.match.domain === undefined || r.match.domain === '*' || `.${r.match.domain.replace(/^\*\./, '')}`.endsWith(`.${parent}`))) continue;
    out.push([{ rule: { class: 'http_request', match: { domain: `*.${parent}` }, verdict: 'allow' }, why: `Allows ${domains.length} subdomains of ${parent} seen (${domains.slice(0, 3).join(', ')}${domains.length > 3 ? ', …' : ''}) and any other under it.` }, grouped]);
    for (const d of domains) done.add(d);
  }
  for (const [domain, list] of byDomain) {
    if (done.has(domain)) continue;
    const reached = nonAllow(list[0]!.policy, 'http_request').filter((r) => r.match.domain === undefined || domainPatternMatches(r.match.domain, domain));
    if (!reached.length) {
      out.push([{ rule: { class: 'http_request', match: { domain }, verdict: 'allow' }, why: `Allows requests to ${domain}.` }, list]);
      continue;
    }
    // A hold or deny rule could be about this domain (every DELETE, say, or its /admin paths): an allow per
    // method seen leaves it the other methods; one about paths leaves only the exact requests seen.
    const byPath = reached.some((r) => r.match.path !== undefined);
    const groups = new Map<string, { match: RuleMatch; events: ReplayedEvent[] }>();
    for (const e of list) {
      if (e.action.class !== 'http_request') continue;
      const match = byPath ? exactMatchOf(e.action) : { domain, method: e.action.method.toUpperCase() };
      if (!match) continue;
      const key = JSON.stringify(match);
      const group = groups.get(key) ?? { match, events: [] };
      group.events.push(e);
      groups.set(key, group);
    }
    for (const { match, events: byMethod } of groups.values()) {
      const what = byPath ? `exactly ${match.method} ${domain}${(byMethod[0]!.action as { path: string }).path}` : `${match.method} requests to ${domain}`;
      const candidate: Candidate = { rule: { class: 'http_request', match, verdict: 'allow' }, why: `Allows ${what} (a rule that holds or denies requests to it stays in force).` };
      // Only where the rule would decide these events: a hold or deny rule about this method stays first in line for the others.
      if (byMethod.every((e) => evaluate({ ...e.policy, rules: [candidate.rule, ...e.policy.rules] }, e.action).verdict === 'allow')) out.push([candidate, byMethod]);
    }
  }
  return out;
}

/** The registrable part of a domain (`github.com`, `example.co.uk`), or undefined where there is none to widen to (an IP, `localhost`). */
function parentOf(domain: string): string | undefined {
  if (isIP(domain)) return undefined;
  const labels = domain.split('.');
  if (labels.length < 3) return undefined;
  const [tld, second] = [labels.at(-1)!, labels.at(-2)!];
  const keep = tld.length === 2 && SECOND_LEVEL.has(second) ? 3 : 2;
  return labels.length > keep ? labels.slice(-keep).join('.') : undefined;
}
