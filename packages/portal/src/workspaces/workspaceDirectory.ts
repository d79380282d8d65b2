import { sql, type SqlBool } from 'kysely';
import { LISTED_WORKSPACE_STATES, type AdminWorkspace, type AdminWorkspacesQuery, type AdminWorkspacesResponse } from '@paddock/protocol';
import type { UserActor } from '../auth/actor.js';
import { workspaceScope } from '../authz/policy.js';
import type { Database } from '../db/database.js';
import { toWorkspace, workspaceQuery } from './workspaces.js';

/** Case-insensitive "contains", without LIKE's wildcards: a `%` or `_` in the search is just a character. */
const contains = (column: string, q: string) => sql<SqlBool>`strpos(lower(${sql.ref(column)}), ${q.toLowerCase()}) > 0`;

/**
 * Every workspace, for the admin list (Admin → Workspaces): the workspace as its owner
 * sees it, with its owner's name, its agent and its last activity, filtered, and how
 * many are in each state. Scoped by the policy's `read` like every other read, so it
 * answers only what this actor may see (admins and auditors: all).
 */
export class WorkspaceDirectory {
  constructor(private readonly db: Database) {}

  async list(actor: UserActor, filter: AdminWorkspacesQuery): Promise<AdminWorkspacesResponse> {
    let q = workspaceQuery(this.db)
      .leftJoin('agents', 'agents.id', 'workspaces.agent_id')
      .select(['users.name as owner_name', 'agents.name as agent_name'])
      .where('workspaces.state', '<>', 'deleted')
      .where(workspaceScope(actor, 'read'));
    if (filter.blueprintId) q = q.where('workspaces.blueprint_id', '=', filter.blueprintId);
    if (filter.ownerId) q = q.where('workspaces.owner_id', '=', filter.ownerId);
    const text = filter.q;
    if (text) {
      q = q.where((eb) => eb.or([
        contains('workspaces.name', text), contains('workspaces.display_name', text), contains('users.name', text), contains('users.email', text), contains('blueprints.name', text),
      ]));
    }
    const rows = await q.orderBy('workspaces.created_at', 'desc').orderBy('workspaces.id').execute();
    const counts = { total: rows.length, ...Object.fromEntries(LISTED_WORKSPACE_STATES.map((s) => [s, 0])) } as AdminWorkspacesResponse['counts'];
    for (const r of rows) if (r.state !== 'deleted') counts[r.state] += 1;
    const workspaces: AdminWorkspace[] = rows
      .filter((r) => !filter.state || r.state === filter.state)
      .map((r) => ({
        ...toWorkspace(r), ownerName: r.owner_name, agentId: r.agent_id, agentName: r.agent_name ?? null, lastActiveAt: r.last_active_at.toISOString(),
      }));
    return { workspaces, counts };
  }
}
