import { sql } from 'kysely';
import type { PublishCheckResult } from '@paddock/protocol';
import { NotFoundError } from '../errors.js';
import type { PortalServices } from '../services.js';

type Deps = Pick<PortalServices, 'db' | 'governancePolicies'>;
type Finding = PublishCheckResult['findings'][number];

export const PREVIEW_ACTIVITY_CHECK = 'preview-activity';

/** Distinct commands read for credential names, newest first: enough for any preview, bounded for a runaway loop. */
const MAX_COMMANDS_READ = 5_000;
/** Events whose content filter found a workspace credential leaving, read to say where it went. */
const MAX_LEAKS_READ = 1_000;
/** Domains listed, most requested first; the rest are counted in one finding (the request keeps 200 findings per check). */
const MAX_DOMAINS = 100;

/**
 * "What the app touched in preview" (issue 10's third check), from the governance
 * events of the workspace since it was created. The portal's own data: no agent is
 * asked, no file is read. What it can say is what governance recorded:
 *
 * - a blueprint credential, by its name, that a command named (`$DATA_SOURCE_TOKEN`,
 *   `process.env.DATA_SOURCE_TOKEN`, `printenv DATA_SOURCE_TOKEN`): the commands the AI
 *   ran (hooks, the gateway's tool calls) are events; an app's own read of its
 *   environment is not one, so this is what the preview's tooling touched;
 * - a command that printed the whole environment (`env`, `printenv`): every credential;
 * - a credential's value the content filters found leaving (to a domain, or the model);
 * - each outside domain the egress proxy (the workspace's only way out) was asked
 *   for, with its requests, how many were denied or held, and how many only
 *   monitor mode let through.
 *
 * Names only, never a value: the value is never read here (the agent masked the
 * workspace's credentials in every summary before it reported it). A domain is the
 * summary's host, never its path: no query or userinfo is ever in it.
 *
 * Status: `warning` when a credential was named, printed or sent, or a domain was
 * reached other than by an admin's own allow rule (a rule in the policy, or a grant
 * from a held action): a reviewer must see it, and a trusted builder goes to review.
 * A domain every request of which an admin's rule allowed (the default policy's package
 * registries, a blueprint's API) is listed but passes: the admin chose it already, and
 * warning on it would send every workspace that ran `npm install` to review. The class
 * default allowing one is no choice: that warns. `passed` otherwise, also when
 * governance is off for the workspace, with a finding that says nothing was recorded:
 * off is an admin's choice not to watch, the builder can't change it, and the reviewer
 * (or the audit) reads it in the finding; a warning there would end trusted publishing
 * wherever governance is off, for no finding of the builder's. Never `failed`: only a
 * secret in the version blocks approval.
 */
export async function previewActivityCheck(deps: Deps, workspaceId: string): Promise<PublishCheckResult> {
  const { db } = deps;
  const workspace = await db.selectFrom('workspaces').select(['id', 'blueprint_id', 'created_at']).where('id', '=', workspaceId).executeTakeFirst();
  if (!workspace) throw new NotFoundError('workspace');
  const since = workspace.created_at;
  const events = db.selectFrom('governance_events').where('workspace_id', '=', workspace.id).where('at', '>=', since);

  const [policy, secretNames, commands, leaks, domains] = await Promise.all([
    deps.governancePolicies.effectiveFor({ id: workspace.id, blueprintId: workspace.blueprint_id }),
    db.selectFrom('secrets').select('name').where('scope', '=', `blueprint:${workspace.blueprint_id}`).execute(),
    // The recorded command is the whole one (up to 4096 characters); the summary, for an event without it, is cut at 300.
    events.select(sql<string>`coalesce(action->>'command', summary)`.as('command')).where('class', '=', 'bash_command')
      .groupBy(sql`coalesce(action->>'command', summary)`).orderBy(sql`max(id)`, 'desc').limit(MAX_COMMANDS_READ).execute(),
    events.select(['class', 'summary']).where(sql<boolean>`"filter"->>'filter' = 'exfiltration' and "filter"->>'rule' like 'workspace-credential%'`)
      .orderBy('id', 'desc').limit(MAX_LEAKS_READ).execute(),
    // What went out is what the egress proxy decided: a hook's or the gateway's event for the same fetch is the AI's intent, counted there.
    // The host is read from the summary ("GET api.example.com:8443/path"): the agent masked credentials there, and it has no query.
    events.select([
      sql<string>`split_part(split_part(summary, ' ', 2), '/', 1)`.as('domain'),
      sql<number>`count(*)::int`.as('requests'),
      sql<number>`(count(*) filter (where verdict = 'deny' and enforced))::int`.as('denied'),
      sql<number>`(count(*) filter (where verdict = 'ask' and enforced))::int`.as('held'),
      sql<number>`(count(*) filter (where verdict <> 'allow' and not enforced))::int`.as('monitored'),
      sql<number>`(count(*) filter (where verdict = 'allow' and rule_id is not null))::int`.as('byRule'),
    ]).where('class', '=', 'http_request').where('point', '=', 'proxy').groupBy(sql`split_part(split_part(summary, ' ', 2), '/', 1)`)
      .orderBy(sql`count(*)`, 'desc').orderBy(sql`split_part(split_part(summary, ' ', 2), '/', 1)`).execute(),
  ]);

  const findings: Finding[] = [];
  let warn = false;
  if (policy.mode === 'off' && !policy.killSwitch.engaged) {
    findings.push({ kind: 'governance-off', message: 'Governance is off for this workspace: what it did is not recorded, so nothing can be shown here' });
  }

  const names = secretNames.map((s) => s.name);
  const named = new Map<string, number>();
  let printedAll = 0;
  for (const { command } of commands) {
    if (ENVIRONMENT_DUMP.test(command)) printedAll++;
    const words = new Set(command.match(IDENTIFIER) ?? []);
    for (const name of names) if (words.has(name)) named.set(name, (named.get(name) ?? 0) + 1);
  }
  for (const name of names.filter((n) => named.has(n))) findings.push({ kind: 'credential', name, commands: named.get(name)! });
  if (printedAll > 0) findings.push({ kind: 'environment', commands: printedAll });
  if (named.size > 0 || printedAll > 0) warn = true;

  const sent = new Map<string, number>();
  for (const leak of leaks) {
    const to = leak.class === 'http_request' ? hostOf(leak.summary) : leak.class === 'llm_call' ? 'the model' : leak.class.replace('_', ' ');
    sent.set(to, (sent.get(to) ?? 0) + 1);
  }
  for (const [to, requests] of sent) findings.push({ kind: 'credential-sent', to, requests });
  if (sent.size > 0) warn = true;

  for (const d of domains.slice(0, MAX_DOMAINS)) {
    const byRule = d.byRule === d.requests;
    if (!byRule) warn = true;
    findings.push({ kind: 'domain', domain: d.domain, requests: d.requests, denied: d.denied, held: d.held, monitored: d.monitored, byRule });
  }
  if (domains.length > MAX_DOMAINS) {
    const rest = domains.slice(MAX_DOMAINS);
    if (rest.some((d) => d.byRule !== d.requests)) warn = true;
    findings.push({ kind: 'more-domains', domains: rest.length, requests: rest.reduce((n, d) => n + d.requests, 0) });
  }

  return { name: PREVIEW_ACTIVITY_CHECK, status: warn ? 'warning' : 'passed', findings };
}

/** Shell and source identifiers: a credential is named when one of them is its name (not a longer name holding it). */
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

/**
 * `env`, `printenv`, `export -p`, `declare -x` or `set` alone as a (sub)command: the whole
 * environment printed, every credential with it. `env FOO=1 node x` and `printenv NAME` are not.
 */
const ENVIRONMENT_DUMP = /(?:^|[;&|(`]|\$\()\s*(?:sudo\s+)?(?:env|printenv|export\s+-p|declare\s+-x|set)\s*(?:$|[;&|)`>])/;

/** The host of an HTTP event's summary ("POST api.example.com/upload"). */
function hostOf(summary: string): string {
  return summary.split(' ')[1]?.split('/')[0] || 'an outside domain';
}
