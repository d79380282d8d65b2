import type { ContentFilters, GovernanceClass, GovernanceMode, RuleMatch, Verdict, WorkspaceDecidedHold, WorkspaceGovernance } from '@paddock/protocol';
import type { BadgeTone } from '../../components/Badge';

/** What each class is, in words an admin reads at a glance. */
export const CLASS_LABELS: Record<GovernanceClass, string> = {
  llm_call: 'Model calls',
  bash_command: 'Commands',
  file_write: 'File writes',
  git_push: 'Git pushes',
  http_request: 'Web requests',
};

export const MODE_LABELS: Record<GovernanceMode, string> = { off: 'Off', monitor: 'Monitor', enforce: 'Enforce' };

/** One line each, as the issue defines them. */
export const MODE_DESCRIPTIONS: Record<GovernanceMode, string> = {
  off: 'Nothing is intercepted; model calls and web requests still pass the gateway and the proxy.',
  monitor: 'Every action is logged with the verdict enforce would give; nothing is blocked.',
  enforce: 'Verdicts are applied: denied actions are refused, asked ones wait for an admin.',
};

export const VERDICT_LABELS: Record<Verdict, string> = { allow: 'Allow', ask: 'Ask an admin', deny: 'Deny' };

export const FILTER_LABELS: Record<keyof ContentFilters, { label: string; hint: string }> = {
  secrets: { label: 'Leaked secrets', hint: 'Cloud keys, forge tokens, AI provider keys, JWTs, high-entropy assignments.' },
  privateKeys: { label: 'Private keys and certificates', hint: 'PEM and OpenSSH private keys, certificates.' },
  exfiltration: { label: 'Exfiltration', hint: 'Credentials in outgoing URLs or bodies; large encoded payloads to domains not allowed.' },
};

/**
 * What happened to an event, in words: in monitor mode nothing is applied, so
 * a deny reads "Would deny" rather than "Denied".
 */
export function outcomeWords(verdict: Verdict, enforced: boolean): { text: string; tone: BadgeTone } {
  if (verdict === 'allow') return { text: 'Allowed', tone: 'success' };
  if (verdict === 'ask') return enforced ? { text: 'Held for approval', tone: 'warning' } : { text: 'Would ask', tone: 'neutral' };
  return enforced ? { text: 'Denied', tone: 'danger' } : { text: 'Would deny', tone: 'neutral' };
}

type TextKey = 'command' | 'path' | 'domain' | 'method' | 'remote' | 'ref';
type FlagKey = 'force' | 'delete';

/** The match fields a rule of each class has (a key left empty matches anything). */
export const MATCH_FIELDS: Record<GovernanceClass, { text: Array<{ key: TextKey; label: string; placeholder: string }>; flags: Array<{ key: FlagKey; label: string }> }> = {
  llm_call: { text: [], flags: [] },
  bash_command: { text: [{ key: 'command', label: 'Command', placeholder: 'npm install **' }], flags: [] },
  file_write: { text: [{ key: 'path', label: 'Path', placeholder: '/workspace/**' }], flags: [] },
  http_request: {
    text: [
      { key: 'domain', label: 'Domain', placeholder: '*.example.com' },
      { key: 'method', label: 'Method', placeholder: 'GET' },
      { key: 'path', label: 'Path', placeholder: '/api/**' },
    ],
    flags: [],
  },
  git_push: {
    text: [
      { key: 'remote', label: 'Remote', placeholder: 'origin' },
      { key: 'ref', label: 'Ref', placeholder: 'refs/heads/main' },
    ],
    flags: [{ key: 'force', label: 'Force push' }, { key: 'delete', label: 'Branch deletion' }],
  },
};

/** Only the keys the class has, and no empty text: an empty field means "anything". */
export function matchForClass(cls: GovernanceClass, match: RuleMatch): RuleMatch {
  const fields = MATCH_FIELDS[cls];
  const out: RuleMatch = {};
  for (const { key } of fields.text) {
    const value = match[key]?.trim();
    if (value) out[key] = value;
  }
  for (const { key } of fields.flags) if (match[key] !== undefined) out[key] = match[key];
  return out;
}

/** A rule's match in one line, for lists ("any" when it matches every action of its class). */
export function matchSummary(match: RuleMatch): string {
  const parts = Object.entries(match).map(([k, v]) => (typeof v === 'boolean' ? (v ? k : `not ${k}`) : `${k} ${v}`));
  return parts.length ? parts.join(', ') : 'any';
}

/** What the builder reads while an action waits (the same words paddock-guard writes in the terminal). */
export function waitingWords(summary: string): string {
  return `Waiting for an admin to approve: ${summary}`;
}

/** Why the workspace's agents are stopped, in the admin's words. */
export function killSwitchWords(reason: string | undefined): string {
  return reason ? `Agents are stopped by an admin: ${reason}` : 'Agents are stopped by an admin.';
}

/** Whose agents the kill switch stops. */
export function killSwitchScopeWords(scope: WorkspaceGovernance['killSwitch']['scope']): string {
  return scope === 'blueprint'
    ? "It stops the AI of every workspace made from this workspace's blueprint, until an admin releases it."
    : 'It stops the AI of every workspace in the organisation, until an admin releases it.';
}

/** A held action that did not go ahead: an admin's denial, or nobody deciding in time. */
export function heldOutcomeWords(hold: Pick<WorkspaceDecidedHold, 'state' | 'summary'>): string {
  return hold.state === 'expired' ? `No admin decided in time, so it was denied: ${hold.summary}` : `An admin denied: ${hold.summary}`;
}

/**
 * The governance health share: "12 of 14 healthy (85%)", rounded down so a
 * fleet with one unhealthy workspace never reads 100%; a word when nothing runs.
 */
export function healthShareWords(r: { runningWorkspaces: number; healthy: number; share: number | null }): string {
  if (r.share === null) return 'No workspace runs';
  return `${r.healthy} of ${r.runningWorkspaces} healthy (${Math.floor(r.share * 100)}%)`;
}
