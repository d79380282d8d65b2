import {
  changedResponseSchema, pushResponseSchema, snapshotResponseSchema, versionDiffSchema, versionsErrorSchema,
  type PushRequest, type PushResponse, type SnapshotRequest, type SnapshotResponse, type VersionDiffResult,
} from '@paddock/protocol';
import type { z } from 'zod';
import { ApiError, InputError, WorkspaceUnreachableError } from '../errors.js';
import type { PortalServices } from '../services.js';
import { readBody } from '../tunnel/workspaceHttp.js';

type Deps = Pick<PortalServices, 'workspaceHttp'>;

const PEER = "the workspace's version store";
/** A diff is capped by the agent (2 MiB of patch, 5000 files); this is room for its JSON. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
/** A snapshot reads every file and scans each: give a large workspace time. */
const SNAPSHOT_TIMEOUT_MS = 120_000;
const READ_TIMEOUT_MS = 30_000;
/** The agent gives a push to a remote 5 minutes; its answer gets a little more. */
const PUSH_TIMEOUT_MS = 330_000;

/** What a refusal (422) and a failure past the agent (502) are called, per call: a push's are not a snapshot's. */
interface Codes { refused: string; beyond?: string }
const SNAPSHOT_CODES: Codes = { refused: 'snapshot_refused' };
const PUSH_CODES: Codes = { refused: 'push_refused', beyond: 'push_failed' };

/**
 * The agent's version store for a workspace, over a `versions` dial (HTTP on a tunnel
 * stream, through WorkspaceHttp). What it answers is held in memory for the one call
 * that asked and never stored: a diff goes to the reviewer who opened it, and only the
 * checks' summary (masked findings) is kept by the caller.
 */
export class AgentVersions {
  constructor(private readonly deps: Deps) {}

  async snapshot(agentId: string, workspaceId: string, request: SnapshotRequest): Promise<SnapshotResponse> {
    const body = Buffer.from(JSON.stringify(request));
    return this.call(agentId, workspaceId, 'POST', '/snapshot', snapshotResponseSchema, SNAPSHOT_TIMEOUT_MS, body);
  }

  /**
   * Pushes a version to a branch of a git remote (agent's versionStore.ts). The request
   * carries the remote's token: it exists in this call's memory and on the tunnel stream,
   * and the agent hands it to git in its environment; neither side logs it.
   */
  async push(agentId: string, workspaceId: string, request: PushRequest): Promise<PushResponse> {
    const body = Buffer.from(JSON.stringify(request));
    return this.call(agentId, workspaceId, 'POST', '/push', pushResponseSchema, PUSH_TIMEOUT_MS, body, PUSH_CODES);
  }

  /** Whether the workspace's files differ from the version `since` ('empty': whether it has any), with no version written. */
  async changed(agentId: string, workspaceId: string, since: string): Promise<boolean> {
    const query = new URLSearchParams({ since }).toString();
    // The agent stages every file as a snapshot would (without the checks): a snapshot's time, not a read's.
    return (await this.call(agentId, workspaceId, 'GET', `/changed?${query}`, changedResponseSchema, SNAPSHOT_TIMEOUT_MS)).changed;
  }

  async diff(agentId: string, workspaceId: string, from: string, to: string): Promise<VersionDiffResult> {
    const query = new URLSearchParams({ from, to }).toString();
    return this.call(agentId, workspaceId, 'GET', `/diff?${query}`, versionDiffSchema, READ_TIMEOUT_MS, undefined, SNAPSHOT_CODES);
  }

  private async call<T>(agentId: string, workspaceId: string, method: string, path: string, schema: z.ZodType<T>, timeoutMs: number, body?: Buffer, codes: Codes = SNAPSHOT_CODES): Promise<T> {
    const res = await this.deps.workspaceHttp.request({ agentId, workspaceId, target: { versions: true } }, {
      peer: PEER, method, path, headersTimeoutMs: timeoutMs, bodyTimeoutMs: READ_TIMEOUT_MS,
      ...(body ? { body, headers: { 'content-type': 'application/json', 'content-length': body.length } } : {}),
    });
    const text = (await readBody(res, MAX_ANSWER_BYTES, PEER)).toString('utf8');
    let json: unknown;
    try { json = JSON.parse(text); } catch { throw new WorkspaceUnreachableError(`${PEER} answered with something that is not JSON`); }
    const status = res.statusCode ?? 502;
    if (status >= 400) {
      const refusal = versionsErrorSchema.safeParse(json);
      const message = refusal.success ? refusal.data.error.message : `${PEER} answered ${status}`;
      // The workspace's own fault (a link out of it, too many files) is the builder's to fix: said as it is.
      if (status === 422 || status === 413) throw new ApiError(422, codes.refused, message);
      if (status === 400) throw new InputError(message);
      if (status === 502 && codes.beyond) throw new ApiError(502, codes.beyond, message);
      throw new WorkspaceUnreachableError(`${PEER} could not answer: ${message}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new WorkspaceUnreachableError(`${PEER} answered in a shape the portal does not know`);
    return parsed.data;
  }
}
