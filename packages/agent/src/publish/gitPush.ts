import { gitBranchSchema, gitRemoteUrlSchema, gitTokenSchema, gitUsernameSchema } from '@paddock/protocol';
import { GitError } from './isolatedGit.js';
import { PublishError } from './publishError.js';

/** Where an approved version goes: a branch of an http(s) remote, and the credentials for it. */
export interface PushTarget {
  url: string;
  branch: string;
  username?: string;
  token?: string;
}

/** A push that left: the commit now at `refs/heads/<branch>` of the remote. */
export interface PushResult {
  commit: string;
  branch: string;
}

/** Sent with a token and no username: forges that take a token as the password accept any non-empty user. */
export const DEFAULT_PUSH_USERNAME = 'paddock';

/**
 * Settings for a push alone, on top of isolatedGit's. No redirects: the credentials ride on
 * every request (http.extraHeader), and a redirect would carry them to another host. No
 * credential helper and no prompt: git asks nobody and stores nothing. A remote that
 * trickles is given up on after a minute below 1 KiB/s rather than holding the push open.
 */
const PUSH_SETTINGS = [
  'http.followRedirects=false',
  'credential.helper=',
  'http.lowSpeedLimit=1024',
  'http.lowSpeedTime=60',
  'push.recurseSubmodules=no',
  'advice.pushUpdateRejected=false',
];

/** The input, checked again here: the version store is reached by the portal only, but nothing reaches git unparsed. */
export function parsePushTarget(target: PushTarget): PushTarget {
  const fields = [
    ['url', gitRemoteUrlSchema.safeParse(target.url)],
    ['branch', gitBranchSchema.safeParse(target.branch)],
    ['username', target.username === undefined ? undefined : gitUsernameSchema.safeParse(target.username)],
    ['token', target.token === undefined ? undefined : gitTokenSchema.safeParse(target.token)],
  ] as const;
  for (const [name, result] of fields) {
    if (result && !result.success) throw new PublishError('invalid', `${name}: ${result.error.issues[0]?.message ?? 'invalid'}`);
  }
  return target;
}

/**
 * What git is run with for one push. The credentials go in git's environment as an
 * `http.extraHeader` (GIT_CONFIG_COUNT/KEY/VALUE): never on a command line (ps shows
 * those), never in the URL (git would print it), never in a config file or a helper's
 * store (the repository sits beside the workspaces' data). GIT_ALLOW_PROTOCOL keeps git
 * to http and https whatever the URL says, `ext::` and `file://` included, for every
 * transport git would start (submodules too).
 */
export function pushCommand(target: PushTarget, commit: string): { args: string[]; env: Record<string, string>; secrets: string[] } {
  const args = [...PUSH_SETTINGS.flatMap((s) => ['-c', s]), 'push', '--no-verify', '--quiet', '--', target.url, `${commit}:refs/heads/${target.branch}`];
  const env: Record<string, string> = { GIT_ALLOW_PROTOCOL: 'http:https', GIT_PROTOCOL_FROM_USER: '0' };
  if (target.token === undefined) return { args, env, secrets: [] };
  const basic = Buffer.from(`${target.username ?? DEFAULT_PUSH_USERNAME}:${target.token}`, 'utf8').toString('base64');
  Object.assign(env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` });
  return { args, env, secrets: [target.token, encodeURIComponent(target.token), basic] };
}

/** The text with every secret cut out: git's and the remote's messages are passed on and logged. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  return out;
}

/**
 * A failed push as the admin should read it: the branch moved, the credentials were
 * refused, the remote refused the ref, or the remote could not be reached. git's own
 * words follow, scrubbed of the credentials.
 */
export function pushFailure(err: unknown, target: PushTarget, secrets: readonly string[]): PublishError {
  const raw = err instanceof GitError ? err.stderr : err instanceof Error ? err.message : String(err);
  const said = scrub(raw, secrets).replace(/\s+/g, ' ').trim().slice(0, 600);
  const branch = `the branch ${target.branch}`;
  if (/\[rejected\].*\((non-fast-forward|fetch first|stale info)\)/.test(raw)) {
    return new PublishError('refused', `${branch} at the remote has commits that are not this app's publishes (someone pushed there, or another app pushes to the same branch): Paddock never force-pushes; move or delete the branch, or choose another (git: ${said})`);
  }
  if (/\[remote rejected\]/.test(raw)) return new PublishError('refused', `the remote refused to update ${branch} (git: ${said})`);
  if (/Authentication failed|could not read (Username|Password)|terminal prompts disabled|HTTP (401|403)|\b40[13]\b/.test(raw)) {
    return new PublishError('refused', `the remote refused the credentials: check the username and token, and that they may push to this repository (git: ${said})`);
  }
  if (/not found|HTTP 404|\b404\b|does not appear to be a git repository/i.test(raw)) return new PublishError('refused', `no git repository at that URL, or none these credentials may see (git: ${said})`);
  if (/transport '[^']*' not allowed|unsupported protocol/i.test(raw)) return new PublishError('invalid', `only http and https remotes are pushed to (git: ${said})`);
  return new PublishError('remote', `the push to the remote failed (git: ${said || 'no message'})`);
}
