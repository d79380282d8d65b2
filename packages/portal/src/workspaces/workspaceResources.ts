import { z } from 'zod';
import type pino from 'pino';
import {
  resourceMechanismSchema, workspaceLimitsSchema, type WorkspaceLimits, type WorkspaceResourceStatus,
} from '@paddock/protocol';
import type { WorkspaceResources__Output, WorkspaceUsage__Output } from '@paddock/protocol/tunnel';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';

const MiB = 1024 * 1024;

/** workspaces.resource_usage: the agent's last report, as checked here. */
const storedReportSchema = z.object({
  limits: workspaceLimitsSchema.nullable(),
  mechanism: resourceMechanismSchema,
  diskUsedBytes: z.number().nullable(),
  diskMeasuredAt: z.string().nullable(),
  diskLimitEnforced: z.boolean(),
  oomKills: z.number(),
  processLimitHits: z.number(),
  reportedAt: z.string(),
});
type StoredReport = z.infer<typeof storedReportSchema>;

const notReported: WorkspaceResourceStatus = {
  limits: null, mechanism: null, diskUsedBytes: null, diskMeasuredAt: null, diskLimitEnforced: false,
  oomKills: 0, processLimitHits: 0, notice: '', reportedAt: null,
};

/** The workspace API object's `resources`, from the stored report (a row without one reads as not reported yet). */
export function workspaceResourceStatus(stored: unknown): WorkspaceResourceStatus {
  const parsed = storedReportSchema.safeParse(stored);
  if (!parsed.success) return notReported;
  return { ...parsed.data, notice: resourceNotice(parsed.data) };
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What a builder should know about the limits, in words: those that bit, a disk over its limit, limits not held at all. */
export function resourceNotice(r: Pick<StoredReport, 'limits' | 'mechanism' | 'diskUsedBytes' | 'oomKills' | 'processLimitHits'>): string {
  const parts: string[] = [];
  if (r.oomKills > 0) {
    parts.push(`Out of memory: ${count(r.oomKills, 'process was', 'processes were')} ended for going past this workspace's ${r.limits?.memoryMiB ?? '?'} MiB memory limit (/tmp counts too).`);
  }
  if (r.processLimitHits > 0) {
    parts.push(`Process limit reached: ${count(r.processLimitHits, 'attempt', 'attempts')} to start a process or thread ${r.processLimitHits === 1 ? 'was' : 'were'} refused (the limit is ${r.limits?.processes ?? '?'}).`);
  }
  if (r.limits && r.diskUsedBytes !== null && r.diskUsedBytes > r.limits.diskMiB * MiB) {
    parts.push(`/workspace uses ${Math.ceil(r.diskUsedBytes / MiB)} MiB, more than its ${r.limits.diskMiB} MiB disk limit.`);
  }
  if (r.mechanism === 'none') parts.push("Resource limits are not enforced where this workspace runs (its runtime agent's log says why).");
  return parts.join(' ');
}

/** Counters come as decimal strings (uint64); anything but plain digits that fit a safe integer is refused. */
function counter(text: string): number {
  const n = Number(text);
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(n)) throw new Error(`not a counter: ${JSON.stringify(text)}`);
  return n;
}

function limitsFrom(r: WorkspaceResources__Output | null): WorkspaceLimits | null {
  if (!r) return null;
  return workspaceLimitsSchema.parse({ cpus: r.cpus, memoryMiB: r.memoryMib, processes: r.processes, tmpMiB: r.tmpMib, diskMiB: r.diskMib });
}

/**
 * Records what agents report of their workspaces' resources (WorkspaceUsage
 * on the control stream) on the workspace row, and tells live views. An agent
 * reports only for workspaces placed on it; a malformed report is dropped.
 */
export class WorkspaceResourceReports {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly changed: (workspaceId: string) => Promise<void>,
    private readonly log: pino.Logger,
  ) {}

  async record(agentId: string, usage: WorkspaceUsage__Output): Promise<void> {
    let report: StoredReport;
    try {
      const measuredMs = counter(usage.diskMeasuredUnixMs);
      report = storedReportSchema.parse({
        limits: limitsFrom(usage.limits),
        mechanism: usage.mechanism,
        // -1: not measured yet.
        diskUsedBytes: usage.diskBytes === '-1' ? null : counter(usage.diskBytes),
        diskMeasuredAt: measuredMs > 0 ? new Date(measuredMs).toISOString() : null,
        diskLimitEnforced: usage.diskEnforced,
        oomKills: counter(usage.oomKills),
        processLimitHits: counter(usage.processLimitHits),
        reportedAt: this.clock.now().toISOString(),
      });
    } catch (err) {
      this.log.warn({ agentId, workspaceId: usage.workspaceId, err: err instanceof Error ? err.message : String(err) }, 'dropped a malformed workspace usage report');
      return;
    }
    const updated = await this.db.updateTable('workspaces').set({ resource_usage: JSON.stringify(report) })
      .where('id', '=', usage.workspaceId).where('agent_id', '=', agentId).where('state', '<>', 'deleted')
      .returning('id').executeTakeFirst();
    if (updated) await this.changed(updated.id);
  }
}
