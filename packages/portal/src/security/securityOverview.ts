import type { SecurityOverview } from '@paddock/protocol';
import type { PortalServices } from '../services.js';
import { NotFoundError } from '../errors.js';
import type { UserActor } from '../auth/actor.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How many of the latest denials and held actions the dashboard shows. */
const LATEST = 5;

type Deps = Pick<PortalServices, 'db' | 'clock' | 'audit' | 'connections' | 'ipAllowlist'>;

/**
 * The Security dashboard (Admin → Security): who is connected now, what the IP allowlist
 * refused, which blueprints are open widely, what the governance refused or held, and who
 * holds powers. Everything here is read from where it is already kept (the relays'
 * live connections, the stored blocked attempts, the governance tables, the members);
 * ending a connection is its one write, audited.
 */
export class SecurityOverviewService {
  constructor(private readonly s: Deps) {}

  async overview(): Promise<SecurityOverview> {
    const now = this.s.clock.now();
    const [connections, blocks, blueprints, governance, members] = await Promise.all([
      this.connections(), this.blocks(now), this.blueprints(), this.governance(now), this.members(),
    ]);
    return { connections, blocks, blueprints, governance, ...members };
  }

  private async connections(): Promise<SecurityOverview['connections']> {
    const open = this.s.connections.list();
    if (open.length === 0) return [];
    const users = new Map((await this.s.db.selectFrom('users').select(['id', 'name', 'email'])
      .where('id', 'in', [...new Set(open.map((c) => c.userId))]).execute()).map((u) => [u.id, u]));
    const workspaces = new Map((await this.s.db.selectFrom('workspaces').select(['id', 'name'])
      .where('id', 'in', [...new Set(open.map((c) => c.workspaceId))]).execute()).map((w) => [w.id, w.name]));
    return open.map((c) => ({
      id: c.id, kind: c.kind, userId: c.userId, userName: users.get(c.userId)?.name ?? '', userEmail: users.get(c.userId)?.email ?? '',
      workspaceId: c.workspaceId, workspaceName: workspaces.get(c.workspaceId) ?? '', ip: c.ip, since: c.since.toISOString(), detail: c.detail,
    }));
  }

  /** Per hour over the last 7 days, counted here (at most BLOCKED_ATTEMPTS_KEPT rows), so both databases bucket alike. */
  private async blocks(now: Date): Promise<SecurityOverview['blocks']> {
    const first = Math.floor(now.getTime() / HOUR) * HOUR - 167 * HOUR;
    const rows = await this.s.db.selectFrom('ip_blocked_attempts').select('at').where('at', '>=', new Date(first)).execute();
    const counts = new Array<number>(168).fill(0);
    let last24h = 0;
    for (const { at } of rows) {
      const i = Math.floor((at.getTime() - first) / HOUR);
      if (i >= 0 && i < 168) counts[i]! += 1;
      if (now.getTime() - at.getTime() <= DAY) last24h++;
    }
    await this.s.ipAllowlist.load();
    return {
      hourly: counts.map((count, i) => ({ hour: new Date(first + i * HOUR).toISOString(), count })),
      last24h, last7d: rows.length, allowlistActive: this.s.ipAllowlist.rules.cidrs.length > 0,
    };
  }

  private async blueprints(): Promise<SecurityOverview['blueprints']> {
    const rows = await this.s.db.selectFrom('blueprints').select(['id', 'name', 'access', 'allow_public_apps', 'trusted_publishing'])
      .where((eb) => eb.or([eb('access', '=', 'open'), eb('allow_public_apps', '=', true)])).orderBy('name').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, openToEveryone: r.access === 'open', allowsPublicApps: r.allow_public_apps, trustedPublishing: r.trusted_publishing }));
  }

  private async governance(now: Date): Promise<SecurityOverview['governance']> {
    const since = new Date(now.getTime() - 7 * DAY);
    const denials = this.s.db.selectFrom('governance_events')
      .where('verdict', '=', 'deny').where('enforced', '=', true).where('at', '>=', since);
    const held = this.s.db.selectFrom('governance_approvals').where('requested_at', '>=', since);
    const [denied, heldCount, pending, latestDenials, latestHeld] = await Promise.all([
      denials.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
      held.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
      this.s.db.selectFrom('governance_approvals').where('state', '=', 'pending').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
      denials.leftJoin('users', 'users.id', 'governance_events.user_id').leftJoin('workspaces', 'workspaces.id', 'governance_events.workspace_id')
        .select(['governance_events.at', 'governance_events.class', 'governance_events.summary', 'users.email', 'workspaces.name'])
        .orderBy('governance_events.id', 'desc').limit(LATEST).execute(),
      this.s.db.selectFrom('governance_approvals').leftJoin('users', 'users.id', 'governance_approvals.user_id').leftJoin('workspaces', 'workspaces.id', 'governance_approvals.workspace_id')
        .select(['governance_approvals.id', 'governance_approvals.requested_at', 'governance_approvals.class', 'governance_approvals.summary', 'governance_approvals.state', 'users.email', 'workspaces.name'])
        .orderBy('governance_approvals.requested_at', 'desc').limit(LATEST).execute(),
    ]);
    return {
      denied7d: Number(denied?.n ?? 0), held7d: Number(heldCount?.n ?? 0), pendingNow: Number(pending?.n ?? 0),
      latestDenials: latestDenials.map((r) => ({ at: r.at.toISOString(), class: r.class, summary: r.summary, userEmail: r.email, workspaceName: r.name })),
      latestHeld: latestHeld.map((r) => ({
        id: r.id, requestedAt: r.requested_at.toISOString(), class: r.class, summary: r.summary, state: r.state, userEmail: r.email, workspaceName: r.name,
      })),
    };
  }

  private async members(): Promise<Pick<SecurityOverview, 'admins' | 'trustedBuilders'>> {
    const rows = await this.s.db.selectFrom('users').select(['id', 'name', 'email', 'role', 'trusted', 'last_login_at'])
      .where('active', '=', true).where((eb) => eb.or([eb('role', '=', 'admin'), eb('trusted', '=', true)])).orderBy('email').execute();
    const member = (r: (typeof rows)[number]) => ({ id: r.id, name: r.name, email: r.email, role: r.role, lastLoginAt: r.last_login_at?.toISOString() ?? null });
    return { admins: rows.filter((r) => r.role === 'admin').map(member), trustedBuilders: rows.filter((r) => r.trusted).map(member) };
  }

  /** Closes a live connection on this portal, audited as the admin who did it. */
  async endConnection(actor: UserActor, id: string): Promise<void> {
    const c = this.s.connections.get(id);
    if (!c) throw new NotFoundError('connection');
    this.s.connections.end(id);
    await this.s.audit.append({
      actor, action: 'connection.end', targetType: 'workspace', targetId: c.workspaceId, outcome: 'success',
      detail: { kind: c.kind, userId: c.userId, ip: c.ip, since: c.since.toISOString(), detail: c.detail },
    });
  }
}
