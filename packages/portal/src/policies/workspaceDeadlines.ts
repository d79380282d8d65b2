import { sql, type RawBuilder } from 'kysely';
import { DEFAULT_RESOURCE_POLICY, type ResourcePolicy, type StopReason } from '@paddock/protocol';

/** The settings row that holds the org's resource policy (absent: DEFAULT_RESOURCE_POLICY). */
export const RESOURCE_POLICY_KEY = 'resourcePolicy';

/** The alias the org policy's settings row joins as, beside `blueprints` (workspaces.ts's withPolicy). */
export const ORG_POLICY = 'resource_org';

type LifecycleField = Exclude<keyof ResourcePolicy, 'limits'>;

/**
 * Where the policy's JSON comes from: the org's settings row and the blueprint's column,
 * or, to show what a change would do before it is saved, a candidate in their place.
 */
export interface PolicySource {
  org: RawBuilder<unknown>;
  blueprint: RawBuilder<unknown>;
}

export const IN_FORCE: PolicySource = { org: sql`${sql.ref(`${ORG_POLICY}.value`)}`, blueprint: sql`blueprints.resource_policy` };

/**
 * A lifecycle value as it applies to a row of `blueprints`: the blueprint's own if
 * set, else the org's (null there means off, for cleanup), else the default. In SQL,
 * so deadlines are computed where they are read and swept, against the policy in
 * force: a changed policy applies to every workspace at once, with no copy to update.
 */
export function effectiveValue(field: LifecycleField, from: PolicySource = IN_FORCE): RawBuilder<number | null> {
  const f = sql.lit(field);
  const fallback = DEFAULT_RESOURCE_POLICY[field];
  return sql<number | null>`coalesce(
    (${from.blueprint}->>${f})::int,
    case when ${from.org} is null then ${fallback === null ? sql`null` : sql.lit(fallback)}::int
      else (${from.org}->>${f})::int end)`;
}

/** When a workspace meant to run goes idle: its last activity plus the idle minutes. */
export const idleDeadline = (from: PolicySource = IN_FORCE): RawBuilder<Date> =>
  sql<Date>`workspaces.last_active_at + make_interval(mins => ${effectiveValue('idleStopMinutes', from)})`;

/** When a workspace meant to run reaches its lifetime: its start plus the lifetime hours. */
export const lifetimeDeadline = (from: PolicySource = IN_FORCE): RawBuilder<Date | null> =>
  sql<Date | null>`workspaces.running_since + make_interval(hours => ${effectiveValue('maxLifetimeHours', from)})`;

/** When a stopped workspace is cleaned up: its stop plus the cleanup days; null when cleanup is off. */
export const cleanupDeadline = (from: PolicySource = IN_FORCE): RawBuilder<Date | null> =>
  sql<Date | null>`workspaces.stopped_at + make_interval(days => ${effectiveValue('cleanupStoppedAfterDays', from)})`;

/** The nearer of the two (least() skips a null lifetime): what the sweep compares with now. */
export const stopDeadline = (from: PolicySource = IN_FORCE): RawBuilder<Date> => sql<Date>`least(${idleDeadline(from)}, ${lifetimeDeadline(from)})`;

/** The deadline a workspace meant to run shows, and its reason: the same choice the sweep's least() makes. */
export function nearestDeadline(idle: Date, lifetime: Date | null): { at: Date; reason: StopReason } {
  return lifetime && lifetime < idle ? { at: lifetime, reason: 'lifetime' } : { at: idle, reason: 'idle' };
}
