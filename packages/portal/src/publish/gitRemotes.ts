import type { GitRemote, GitRemoteStatus, PutGitRemote } from '@paddock/protocol';
import type { UserActor } from '../auth/actor.js';
import { NotFoundError } from '../errors.js';
import type { PortalServices } from '../services.js';

type Deps = Pick<PortalServices, 'db' | 'clock' | 'audit' | 'secrets'>;

/** Where a remote's token is sealed: a scope of its own, never `blueprint:<id>`, whose secrets are handed to workspaces. */
export const gitTokenScope = (blueprintId: string): string => `blueprint-git:${blueprintId}`;
const TOKEN = 'token';

/** What a push needs: the remote as saved, and its token decrypted (for the one call to the agent). */
export interface GitPushTarget {
  url: string;
  branch: string | null;
  username: string | null;
  token: string | null;
}

/** scheme://host:port: a token is for the host it was given for. */
const originOf = (url: string): string => new URL(url).origin;

/**
 * A blueprint's git remote (issue 10's optional git push): admins set and remove it;
 * admins and auditors read it, with whether a token is saved but never the token. The
 * token is sealed in `secrets` like a blueprint's credentials, in a scope no workspace is
 * given; audit records name the URL, branch and user, never the token.
 */
export class BlueprintGitRemotes {
  constructor(private readonly deps: Deps) {}

  async get(blueprintId: string): Promise<GitRemoteStatus> {
    const row = await this.row(blueprintId);
    if (row.git_remote_url === null) return { remote: null };
    const token = (await this.deps.secrets.list(gitTokenScope(blueprintId))).some((s) => s.name === TOKEN);
    return { remote: this.view(row, token) };
  }

  /**
   * Sets the remote. A token left out keeps the saved one, unless the URL now names
   * another host: a token is never sent anywhere but where it was given for, so it goes.
   */
  async put(blueprintId: string, input: PutGitRemote, by: UserActor): Promise<GitRemoteStatus> {
    const { db, clock, audit, secrets } = this.deps;
    const before = await this.row(blueprintId);
    const movedHost = before.git_remote_url !== null && originOf(before.git_remote_url) !== originOf(input.url);
    const token = input.token === undefined ? (movedHost ? 'dropped' : 'kept') : input.token === null ? 'removed' : 'replaced';
    await db.transaction().execute(async (tx) => {
      await tx.updateTable('blueprints').set({
        git_remote_url: input.url, git_remote_branch: input.branch ?? null, git_remote_username: input.username ?? null, git_remote_updated_at: clock.now(),
      }).where('id', '=', blueprintId).execute();
      if (typeof input.token === 'string') await secrets.put(gitTokenScope(blueprintId), TOKEN, input.token, tx);
      else if (token === 'removed' || token === 'dropped') await secrets.delete(gitTokenScope(blueprintId), TOKEN, tx);
      await audit.append({
        actor: by, action: 'blueprint.git_remote.update', targetType: 'blueprint', targetId: blueprintId, blueprintId, outcome: 'success',
        detail: { url: input.url, branch: input.branch ?? null, username: input.username ?? null, token },
      }, tx);
    });
    return this.get(blueprintId);
  }

  async remove(blueprintId: string, by: UserActor): Promise<void> {
    const { db, audit, secrets } = this.deps;
    const before = await this.row(blueprintId);
    if (before.git_remote_url === null) throw new NotFoundError('git remote');
    await db.transaction().execute(async (tx) => {
      await tx.updateTable('blueprints').set({ git_remote_url: null, git_remote_branch: null, git_remote_username: null, git_remote_updated_at: null })
        .where('id', '=', blueprintId).execute();
      await secrets.delete(gitTokenScope(blueprintId), TOKEN, tx);
      await audit.append({
        actor: by, action: 'blueprint.git_remote.remove', targetType: 'blueprint', targetId: blueprintId, blueprintId, outcome: 'success',
        detail: { url: before.git_remote_url },
      }, tx);
    });
  }

  /** The remote with its token decrypted, for a push (GitPublisher only; never logged); null when there is none. */
  async target(blueprintId: string): Promise<GitPushTarget | null> {
    const row = await this.deps.db.selectFrom('blueprints').select(['git_remote_url', 'git_remote_branch', 'git_remote_username']).where('id', '=', blueprintId).executeTakeFirst();
    if (!row?.git_remote_url) return null;
    const token = await this.deps.secrets.get(gitTokenScope(blueprintId), TOKEN);
    return { url: row.git_remote_url, branch: row.git_remote_branch, username: row.git_remote_username, token };
  }

  private view(row: Awaited<ReturnType<BlueprintGitRemotes['row']>>, hasToken: boolean): GitRemote {
    return {
      url: row.git_remote_url ?? '', branch: row.git_remote_branch, username: row.git_remote_username, hasToken,
      updatedAt: (row.git_remote_updated_at ?? new Date(0)).toISOString(),
    };
  }

  private async row(blueprintId: string) {
    const row = await this.deps.db.selectFrom('blueprints').select(['id', 'git_remote_url', 'git_remote_branch', 'git_remote_username', 'git_remote_updated_at'])
      .where('id', '=', blueprintId).executeTakeFirst();
    if (!row) throw new NotFoundError('blueprint');
    return row;
  }
}
