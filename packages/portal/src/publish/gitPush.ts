import { agentActor, type Actor } from '../auth/actor.js';
import type { PortalServices } from '../services.js';
import type { AgentVersions } from './agentVersions.js';
import type { BlueprintGitRemotes } from './gitRemotes.js';

type Deps = Pick<PortalServices, 'audit' | 'log'> & { versions: Pick<AgentVersions, 'push'>; remotes: Pick<BlueprintGitRemotes, 'target'> };

/** A version going live, as the caller knows it. */
export interface ApprovedVersion {
  workspaceId: string;
  blueprintId: string;
  version: string;
  subdomain: string;
  agentId: string;
  /** Who the audit record names; by default the agent, which does the push. */
  actor?: Actor;
  /** The publish request, for the audit record's target; the workspace when not given. */
  requestId?: string;
}

/** What came of it; never thrown: a push is a copy for the blueprint's owners, and its failure must not stop an app going live. */
export type PushOutcome =
  | { outcome: 'skipped'; reason: 'no-remote' }
  | { outcome: 'success'; commit: string; branch: string; url: string }
  | { outcome: 'failure'; branch: string; url: string; code: string; message: string };

/** Each app gets a branch of its own unless the blueprint names one. */
export const defaultBranch = (subdomain: string): string => `paddock/${subdomain}`;

/**
 * Pushes an approved version to its blueprint's git remote, when it names one (issue 10,
 * "optional git push"). The token is read from `secrets`, decrypted for this one call and
 * sent to the agent over the versions dial; the agent pushes with git (no force: a branch
 * someone else moved is refused). Every push is audited as `publish.push`, success or
 * failure, with the version, branch and URL (which never holds credentials), and no
 * token in the record, the log or the outcome.
 */
export class GitPublisher {
  constructor(private readonly deps: Deps) {}

  async pushApproved(request: ApprovedVersion): Promise<PushOutcome> {
    let remote;
    try {
      remote = await this.deps.remotes.target(request.blueprintId);
    } catch (err) {
      // The remote could not even be read (the database, or a master key that no longer opens the token).
      const message = err instanceof Error ? err.message : String(err);
      this.deps.log.error({ blueprintId: request.blueprintId, version: request.version, err: message }, "reading a blueprint's git remote failed");
      return this.record(request, { outcome: 'failure', branch: defaultBranch(request.subdomain), url: '', code: 'internal', message: "the blueprint's git remote could not be read" });
    }
    if (!remote) return { outcome: 'skipped', reason: 'no-remote' };
    const branch = remote.branch ?? defaultBranch(request.subdomain);
    const secrets = remote.token ? [remote.token, encodeURIComponent(remote.token)] : [];
    try {
      const pushed = await this.deps.versions.push(request.agentId, request.workspaceId, {
        version: request.version, url: remote.url, branch,
        ...(remote.username ? { username: remote.username } : {}), ...(remote.token ? { token: remote.token } : {}),
      });
      return this.record(request, { outcome: 'success', commit: pushed.commit, branch: pushed.branch, url: remote.url });
    } catch (err) {
      const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'internal';
      // The agent scrubs git's words already; this is the second look, so a token can't ride out in a message either way.
      const message = scrub(err instanceof Error ? err.message : String(err), secrets);
      return this.record(request, { outcome: 'failure', branch, url: remote.url, code, message });
    }
  }

  private async record(request: ApprovedVersion, outcome: Exclude<PushOutcome, { outcome: 'skipped' }>): Promise<PushOutcome> {
    const detail = outcome.outcome === 'success'
      ? { version: request.version, subdomain: request.subdomain, url: outcome.url, branch: outcome.branch, commit: outcome.commit }
      : { version: request.version, subdomain: request.subdomain, url: outcome.url, branch: outcome.branch, code: outcome.code, message: outcome.message.slice(0, 1000) };
    try {
      await this.deps.audit.append({
        actor: request.actor ?? agentActor(request.agentId), action: 'publish.push',
        targetType: request.requestId ? 'publish_request' : 'workspace', targetId: request.requestId ?? request.workspaceId,
        blueprintId: request.blueprintId, outcome: outcome.outcome, detail,
      });
    } catch (err) {
      this.deps.log.error({ err: err instanceof Error ? err.message : String(err), version: request.version }, 'recording a git push in the audit log failed');
    }
    if (outcome.outcome === 'failure') this.deps.log.warn({ workspaceId: request.workspaceId, ...detail }, 'a git push of a published version failed');
    return outcome;
  }
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}
