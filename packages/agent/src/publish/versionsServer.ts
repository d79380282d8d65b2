import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  changedQuerySchema, diffQuerySchema, pushRequestSchema, snapshotRequestSchema,
  type ChangedResponse, type PushResponse, type SnapshotResponse,
} from '@paddock/protocol';
import type pino from 'pino';
import { parse, readJson, sendError, sendJson } from '../http/jsonHttp.js';
import { runPublishChecks } from './publishChecks.js';
import { PublishError, type PublishErrorCode } from './publishError.js';
import type { VersionStores } from './versionStore.js';

/** Where a workspace's files are on this host, for a workspace this agent holds; rejects otherwise. */
export type WorkspaceFilesDir = (workspaceId: string) => Promise<string>;

const MAX_BODY_BYTES = 16 * 1024;

const STATUS: Record<PublishErrorCode, number> = { 'not-found': 404, invalid: 400, refused: 422, 'too-large': 413, remote: 502 };

/**
 * The version store as the portal reaches it: HTTP over a stream the portal
 * dialed (`versions`, tunnel protocol 1.4) for one workspace. The workspace a
 * request acts on is the dial's, checked against the runtime before the stream
 * was handed here; nothing in a request names another. Every input is parsed
 * (publishApi.ts) before it reaches git. Contents and diffs go back over the
 * stream and nowhere else: the agent logs what failed, never what a file holds.
 *
 * - POST /snapshot: a version of the workspace's files, and the checks run on exactly it
 * - GET /diff?from=&to=: what changed between two versions (or from 'empty')
 * - GET /versions: the workspace's versions, newest first
 * - GET /changed?since=: whether the files differ from a version (or 'empty'), no version written
 * - POST /push: a version pushed to a branch of a git remote, with credentials the portal
 *   holds and sends for this one call; they are handed to git in its environment and are
 *   in nothing this server logs or answers (versionStore.ts, gitPush.ts)
 */
export class VersionsServer {
  private readonly server: Server;
  private readonly owners = new WeakMap<object, string>();

  constructor(
    private readonly stores: VersionStores,
    private readonly filesDir: WorkspaceFilesDir,
    private readonly log: pino.Logger,
  ) {
    this.server = createServer((req, res) => {
      const workspaceId = this.owners.get(req.socket);
      if (workspaceId === undefined) return void req.socket.destroy();
      this.handle(workspaceId, req, res).catch((err: unknown) => {
        if (err instanceof PublishError) return sendError(res, STATUS[err.code], err.code, err.message);
        this.log.warn({ workspaceId, err: err instanceof Error ? err.message : String(err) }, 'a version store request failed');
        sendError(res, 500, 'internal', 'the version store could not answer');
      });
    });
    this.server.headersTimeout = 10_000;
  }

  /** Serves one stream the portal dialed for this workspace. */
  accept(workspaceId: string, stream: Duplex): void {
    this.owners.set(stream, workspaceId);
    this.server.emit('connection', stream);
  }

  private async handle(workspaceId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://versions');
    if (req.method === 'POST' && url.pathname === '/snapshot') {
      const body = await readJson(req, MAX_BODY_BYTES);
      if (!body.ok) return sendError(res, body.status, 'invalid', body.message);
      const input = parse(snapshotRequestSchema, body.value);
      if (!input.ok) return sendError(res, input.status, 'invalid', input.message);
      const { since, ...options } = input.value;
      const store = await this.stores.of(workspaceId);
      const snapshot = await store.snapshot(await this.filesDir(workspaceId), options);
      const checks = await runPublishChecks(store, snapshot.version, since);
      const answer: SnapshotResponse = {
        version: snapshot.version, ...(snapshot.parent ? { parent: snapshot.parent } : {}), files: snapshot.files, bytes: snapshot.bytes,
        checks: checks.map((c) => ({ name: c.name, status: c.status, findings: c.findings.map((f) => ({ ...f })) })),
      };
      return sendJson(res, 200, answer);
    }
    if (req.method === 'POST' && url.pathname === '/push') {
      const body = await readJson(req, MAX_BODY_BYTES);
      if (!body.ok) return sendError(res, body.status, 'invalid', body.message);
      // A refusal names the field and why, never its value: the token is one of them.
      const input = parse(pushRequestSchema, body.value);
      if (!input.ok) return sendError(res, input.status, 'invalid', input.message);
      const { version, ...target } = input.value;
      const store = await this.stores.of(workspaceId);
      const pushed = await store.push(version, target);
      this.log.info({ workspaceId, version, commit: pushed.commit, branch: pushed.branch }, 'pushed a version to a git remote');
      const answer: PushResponse = { pushed: true, commit: pushed.commit, branch: pushed.branch };
      return sendJson(res, 200, answer);
    }
    req.resume();
    if (req.method !== 'GET') return sendError(res, 405, 'invalid', 'not an API of the version store');
    if (url.pathname === '/diff') {
      const query = parse(diffQuerySchema, Object.fromEntries(url.searchParams));
      if (!query.ok) return sendError(res, query.status, 'invalid', query.message);
      const store = await this.stores.of(workspaceId);
      return sendJson(res, 200, await store.diff(query.value.from, query.value.to));
    }
    if (url.pathname === '/changed') {
      const query = parse(changedQuerySchema, Object.fromEntries(url.searchParams));
      if (!query.ok) return sendError(res, query.status, 'invalid', query.message);
      const store = await this.stores.of(workspaceId);
      // As the portal's snapshot takes them (Publishing.request): node_modules left out.
      const answer: ChangedResponse = { changed: await store.changed(await this.filesDir(workspaceId), query.value.since) };
      return sendJson(res, 200, answer);
    }
    if (url.pathname === '/versions') {
      const store = await this.stores.of(workspaceId);
      const items = (await store.list()).map((v) => ({ ...v, createdAt: v.createdAt.toISOString() }));
      return sendJson(res, 200, { items });
    }
    return sendError(res, 404, 'not-found', 'not an API of the version store');
  }
}
