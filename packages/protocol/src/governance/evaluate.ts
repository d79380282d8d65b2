import type { Decision, EffectivePolicy, FilterMatch, GovernanceAction, GovernanceClass, PolicyRule, RuleMatch, Verdict } from '../governanceApi.js';
import { commandPatternMatches } from './commandMatch.js';
import { refPatternMatches, remotePatternMatches } from './gitMatch.js';
import { domainPatternMatches, httpPathMatches, methodMatches, normalizeDomain } from './httpMatch.js';
import { pathPatternMatches } from './pathMatch.js';
import { basename, parseCommandLine } from './shellCommands.js';
import { summaryOf } from './summary.js';

export interface EvaluateContext {
  /** What the content filters found in the action's content (scanned before, by `scanContent`). */
  filter?: FilterMatch;
}

/**
 * What a policy says of one action. Pure: the same policy and action give the
 * same decision. In order: the kill switch (deny, enforced in any mode); mode
 * off (allow, not enforced); a content filter's match (deny); the rules of the
 * action's class, first match wins; else the class's default. `enforced` is
 * true in enforce mode only. A bash command is decided per subcommand: deny if
 * any is denied, else ask if any asks, else allow.
 *
 * Needs the shell parser loaded (`loadShellParser`) for bash commands.
 */
export function evaluate(policy: EffectivePolicy, action: GovernanceAction, context: EvaluateContext = {}): Decision {
  const mode = policy.mode;
  if (policy.killSwitch.engaged) {
    const who = policy.killSwitch.scope === 'blueprint' ? "this blueprint's" : "the organisation's";
    const why = policy.killSwitch.reason ? `: ${policy.killSwitch.reason}` : '';
    return { verdict: 'deny', enforced: true, mode, reason: `Stopped by an admin: ${who} kill switch is engaged${why}.` };
  }
  if (mode === 'off') return { verdict: 'allow', enforced: false, mode, reason: 'Governance is off for this workspace.' };
  const enforced = mode === 'enforce';
  const what = `\`${summaryOf(action)}\``;
  if (context.filter) {
    return { verdict: 'deny', enforced, mode, filter: context.filter, reason: withMode(`Blocked: ${filterWords(context.filter)} in ${what}`, enforced) };
  }
  const found = action.class === 'bash_command' ? decideCommand(policy, action.command) : decideOne(policy, action);
  const by = found.ruleId !== undefined ? `rule ${found.ruleId}` : `the default for ${CLASS_WORDS[action.class]}`;
  const subject = found.subject !== undefined ? `\`${found.subject}\`` : what;
  const verb = found.verdict === 'allow' ? 'Policy allows' : found.verdict === 'deny' ? 'Policy denies' : "Needs an admin's approval:";
  const note = found.note ? ` ${found.note}` : '';
  const decision: Decision = { verdict: found.verdict, enforced, mode, reason: withMode(`${verb} ${subject} (${by}).${note}`, enforced) };
  if (found.ruleId !== undefined) decision.ruleId = found.ruleId;
  return decision;
}

interface Found { verdict: Verdict; ruleId?: string; subject?: string; note?: string }

const CLASS_WORDS: Record<GovernanceClass, string> = {
  llm_call: 'model calls',
  bash_command: 'commands',
  file_write: 'file writes',
  git_push: 'git pushes',
  http_request: 'web requests',
};

const RANK: Record<Verdict, number> = { allow: 0, ask: 1, deny: 2 };

function withMode(reason: string, enforced: boolean): string {
  return enforced ? reason : `${reason} Monitor mode: recorded, not enforced.`;
}

function filterWords(filter: FilterMatch): string {
  if (filter.rule === 'large-encoded-payload') return `a large encoded payload to a domain no rule allows (${filter.rule}: ${filter.masked})`;
  const kind = filter.filter === 'privateKeys' ? 'a private key or certificate' : filter.filter === 'exfiltration' ? "one of this workspace's credentials" : 'a secret';
  return `${kind} (${filter.rule}: ${filter.masked})`;
}

/** Per subcommand, first matching rule; the strictest subcommand decides. */
function decideCommand(policy: EffectivePolicy, command: string): Found {
  const line = parseCommandLine(command);
  const subcommands = line.subcommands.length ? line.subcommands : [[]];
  let worst: Found | undefined;
  for (const words of subcommands) {
    const rule = policy.rules.find((r) => r.class === 'bash_command' && commandRuleMatches(r, words));
    const found: Found = { verdict: rule?.verdict ?? policy.defaults.bash_command, subject: words.join(' ') || command.trim() };
    if (rule?.id !== undefined) found.ruleId = rule.id;
    // A line we can't read never gets allow: an admin decides (or the default's deny stands).
    if (line.opaque && found.verdict === 'allow') {
      found.verdict = 'ask';
      found.note = 'Paddock could not tell for sure what this command runs.';
    }
    if (!worst || RANK[found.verdict] > RANK[worst.verdict]) worst = found;
  }
  return worst ?? { verdict: policy.defaults.bash_command };
}

/**
 * A command rule matches a subcommand as written; a deny or ask rule also
 * matches it by the program's base name (`/bin/rm -rf /` is `rm -rf /`), an
 * allow rule does not (`./npm` may be anything).
 */
function commandRuleMatches(rule: PolicyRule, words: string[]): boolean {
  if (!onlyKeys(rule.match, ['command'])) return false;
  const pattern = rule.match.command;
  if (pattern === undefined) return true;
  if (commandPatternMatches(pattern, words)) return true;
  const [head, ...rest] = words;
  if (rule.verdict === 'allow' || head === undefined || !head.includes('/')) return false;
  return commandPatternMatches(pattern, [basename(head), ...rest]);
}

/**
 * The rule that decides an action (not a command line: those are decided per
 * subcommand), or undefined when its class's default does. An invalid domain
 * has none: it is denied outright.
 */
export function firstMatchingRule(policy: EffectivePolicy, action: Exclude<GovernanceAction, { class: 'bash_command' }>): PolicyRule | undefined {
  if (action.class === 'http_request' && normalizeDomain(action.domain) === undefined) return undefined;
  return policy.rules.find((r) => r.class === action.class && ruleMatches(r.match, action));
}

function decideOne(policy: EffectivePolicy, action: Exclude<GovernanceAction, { class: 'bash_command' }>): Found {
  if (action.class === 'http_request' && normalizeDomain(action.domain) === undefined) {
    return { verdict: 'deny', note: 'The domain name is not valid.' };
  }
  const rule = firstMatchingRule(policy, action);
  const found: Found = { verdict: rule?.verdict ?? policy.defaults[action.class] };
  if (rule?.id !== undefined) found.ruleId = rule.id;
  return found;
}

/** Which match keys a class can use; a rule with any other key matches nothing (it can't be about this class). */
const KEYS: Record<GovernanceClass, (keyof RuleMatch)[]> = {
  llm_call: [],
  bash_command: ['command'],
  file_write: ['path'],
  http_request: ['domain', 'method', 'path'],
  git_push: ['remote', 'ref', 'force', 'delete'],
};

function onlyKeys(match: RuleMatch, allowed: (keyof RuleMatch)[]): boolean {
  return (Object.keys(match) as (keyof RuleMatch)[]).every((key) => match[key] === undefined || allowed.includes(key));
}

/** Every key the rule sets must match; a key left out matches anything. */
export function ruleMatches(match: RuleMatch, action: Exclude<GovernanceAction, { class: 'bash_command' }>): boolean {
  if (!onlyKeys(match, KEYS[action.class])) return false;
  switch (action.class) {
    case 'llm_call':
      return true;
    case 'file_write':
      return match.path === undefined || pathPatternMatches(match.path, action.path);
    case 'http_request':
      return (match.domain === undefined || domainPatternMatches(match.domain, action.domain))
        && (match.method === undefined || methodMatches(match.method, action.method))
        && (match.path === undefined || httpPathMatches(match.path, action.path));
    case 'git_push':
      return (match.remote === undefined || remotePatternMatches(match.remote, action.remote))
        && (match.ref === undefined || refPatternMatches(match.ref, action.ref))
        && (match.force === undefined || match.force === action.force)
        && (match.delete === undefined || match.delete === action.delete);
  }
}
