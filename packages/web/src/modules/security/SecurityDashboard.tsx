import { useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Ban, Cable, Hourglass, LayoutTemplate, MessageSquare, MonitorPlay, ShieldCheck, SquareTerminal, UserCog } from 'lucide-react';
import type { ActiveConnection, ConnectionKind, SecurityMember, SecurityOverview } from '@paddock/protocol';
import { endConnectionMutation, securityQuery } from '../../api/security';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { QueryView } from '../../components/QueryView';
import { Section } from '../../components/Section';
import { Skeleton } from '../../components/Skeleton';
import { TBody, THead, Table, TableEmpty, Td, Th } from '../../components/Table';
import { cn } from '../../components/cn';
import { formatDateTime, timeAgo } from '../../components/formatTime';
import { useConfirmDialog } from '../../components/useConfirmDialog';
import { useNow } from '../../components/useNow';
import { useCanManage } from '../auth/permissions';

const kinds: Record<ConnectionKind, { label: string; icon: ReactNode }> = {
  terminal: { label: 'Terminal', icon: <SquareTerminal className="size-3.5" aria-hidden /> },
  chat: { label: 'AI chat', icon: <MessageSquare className="size-3.5" aria-hidden /> },
  preview: { label: 'Preview', icon: <MonitorPlay className="size-3.5" aria-hidden /> },
};

/**
 * The Security dashboard: who is connected now (and ending a connection), what the IP
 * allowlist refused over time, which blueprints are widely open, what the governance
 * refused or held, and who holds admin rights or is trusted to publish. Self-contained:
 * mounted on Admin → Security, and as a view of the admin overview.
 */
export function SecurityDashboard() {
  const overview = useQuery(securityQuery());
  return (
    <QueryView query={overview} loading={<DashboardSkeleton />} errorTitle="Could not load the security overview">
      {(data) => (
        <div className="space-y-6" data-testid="security-dashboard">
          <Connections connections={data.connections} />
          <Blocks blocks={data.blocks} />
          <div className="grid gap-6 xl:grid-cols-2">
            <Governance governance={data.governance} />
            <OpenBlueprints blueprints={data.blueprints} />
          </div>
          <div className="grid gap-6 xl:grid-cols-2">
            <Members title="Members with admin rights" icon={<UserCog className="size-4" aria-hidden />} members={data.admins} testId="security-admins"
              description="They can change every setting, act on every workspace and approve publishes."
              empty="No active admins." />
            <Members title="Trusted builders" icon={<ShieldCheck className="size-4" aria-hidden />} members={data.trustedBuilders} testId="security-trusted"
              description="On blueprints with trusted publishing, their publishes go live without review when every check passes."
              empty="Nobody is trusted: every publish waits for an admin." />
          </div>
        </div>
      )}
    </QueryView>
  );
}

function DashboardSkeleton() {
  return (
    <div className="space-y-6" aria-busy="true" aria-label="Loading the security overview">
      {[0, 1, 2].map((i) => (
        <Card key={i} className="space-y-3 p-5">
          <Skeleton className="h-4 w-48" />
          <Skeleton className="h-24 w-full" />
        </Card>
      ))}
    </div>
  );
}

function Connections({ connections }: { connections: ActiveConnection[] }) {
  const canManage = useCanManage();
  const now = useNow(15_000);
  const queryClient = useQueryClient();
  const end = useMutation(endConnectionMutation(queryClient));
  const confirm = useConfirmDialog<ActiveConnection, { id: string }>(end, (c) => ({ id: c.id }));
  return (
    <Section
      flush
      title={<span className="flex items-center gap-2"><Cable className="size-4" aria-hidden />Active connections</span>}
      description="Terminals, AI chats and previews open right now. A preview counts while the app keeps a live connection open (such as hot reload)."
    >
      {connections.length === 0 ? (
        <TableEmpty>Nobody is connected right now.</TableEmpty>
      ) : (
        <Table>
          <THead>
            <Th>Person</Th>
            <Th>Kind</Th>
            <Th>Workspace</Th>
            <Th>Address</Th>
            <Th>Since</Th>
            {canManage && <Th><span className="sr-only">Actions</span></Th>}
          </THead>
          <TBody>
            {connections.map((c) => (
              <tr key={c.id} data-testid={`connection-${c.kind}-${c.workspaceName}`}>
                <Td>
                  <span className="block font-medium text-zinc-900">{c.userName || c.userEmail}</span>
                  <span className="block text-xs text-zinc-500">{c.userEmail}</span>
                </Td>
                <Td>
                  <Badge icon={kinds[c.kind].icon}>{kinds[c.kind].label}</Badge>
                  {c.kind !== 'chat' && <span className="ml-2 text-xs text-zinc-500">{c.detail}</span>}
                </Td>
                <Td>{c.workspaceName}</Td>
                <Td className="font-mono text-xs">{c.ip}</Td>
                <Td title={formatDateTime(c.since)} className="whitespace-nowrap">{timeAgo(c.since, now)}</Td>
                {canManage && (
                  <Td className="text-right">
                    <Button size="sm" variant="danger" onClick={() => confirm.ask(c)}>End</Button>
                  </Td>
                )}
              </tr>
            ))}
          </TBody>
        </Table>
      )}
      <ConfirmDialog
        {...confirm.dialogProps}
        title="End this connection?"
        destructive
        confirmLabel="End connection"
        description={confirm.target && (
          <>
            The {kinds[confirm.target.kind].label.toLowerCase()} of {confirm.target.userName || confirm.target.userEmail} in {confirm.target.workspaceName} closes now. Audited.
            They can open it again; to keep them out, stop the workspace or deactivate them.
          </>
        )}
      />
    </Section>
  );
}

const hourLabel = new Intl.DateTimeFormat(undefined, { hour: 'numeric' });
const dayLabel = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric' });

function Blocks({ blocks }: { blocks: SecurityOverview['blocks'] }) {
  const [range, setRange] = useState<'24h' | '7d'>('24h');
  const hourly = range === '24h' ? blocks.hourly.slice(-24) : blocks.hourly;
  // Seven days read better by the day; one day by the hour.
  const data = range === '24h'
    ? hourly.map((h) => ({ label: hourLabel.format(new Date(h.hour)), at: h.hour, count: h.count }))
    : Array.from({ length: 7 }, (_, d) => {
      const day = hourly.slice(d * 24, d * 24 + 24);
      return { label: dayLabel.format(new Date(day[0]!.hour)), at: day[0]!.hour, count: day.reduce((n, h) => n + h.count, 0) };
    });
  const total = range === '24h' ? blocks.last24h : blocks.last7d;
  return (
    <Section
      title={<span className="flex items-center gap-2"><Ban className="size-4" aria-hidden />Blocked by the IP allowlist</span>}
      description={<>Requests refused because of their network address. At most 30 a minute are recorded per address, so a flood counts as less. <Link to="/admin/ip-allowlist" className="underline underline-offset-2">IP allowlist</Link></>}
      actions={
        <div className="flex rounded-md border border-zinc-200 p-0.5" role="group" aria-label="Range">
          {(['24h', '7d'] as const).map((r) => (
            <button key={r} type="button" aria-pressed={range === r} onClick={() => setRange(r)}
              className={cn('rounded px-2.5 py-1 text-xs font-medium', range === r ? 'bg-zinc-900 text-white' : 'text-zinc-600 hover:bg-zinc-100')}>
              {r === '24h' ? 'Last 24 hours' : 'Last 7 days'}
            </button>
          ))}
        </div>
      }
    >
      <p className="mb-3 text-sm text-zinc-700" data-testid="blocks-total">
        <span className="text-2xl font-semibold text-zinc-900 tabular-nums">{total}</span> blocked {range === '24h' ? 'in the last 24 hours' : 'in the last 7 days'}
      </p>
      {total === 0 && !blocks.allowlistActive ? (
        <p className="text-sm text-zinc-500">The allowlist has no rules: every address may connect, so nothing is blocked.</p>
      ) : (
        <div className="h-48 w-full" data-testid="blocks-chart" role="img" aria-label={`Blocked requests ${range === '24h' ? 'per hour' : 'per day'}: ${total} in all`}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid stroke="#e4e4e7" vertical={false} />
              <XAxis dataKey="label" tick={{ fontSize: 12, fill: '#71717a' }} tickLine={false} axisLine={false} minTickGap={12} />
              <YAxis allowDecimals={false} tick={{ fontSize: 12, fill: '#71717a' }} tickLine={false} axisLine={false} width={40} />
              <Tooltip formatter={(value) => [String(value), 'Blocked']} labelFormatter={(_, payload) => {
                const at = (payload?.[0]?.payload as { at?: string } | undefined)?.at;
                return at ? formatDateTime(at) : '';
              }} />
              <Bar dataKey="count" fill="#dc2626" radius={[3, 3, 0, 0]} maxBarSize={28} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </Section>
  );
}

function OpenBlueprints({ blueprints }: { blueprints: SecurityOverview['blueprints'] }) {
  return (
    <Section flush title={<span className="flex items-center gap-2"><LayoutTemplate className="size-4" aria-hidden />Widely open blueprints</span>}
      description="Blueprints every member may use, or whose apps may be opened by anyone on the internet.">
      {blueprints.length === 0 ? (
        <TableEmpty>Every blueprint is limited to the people its rules name, and keeps its apps inside the organization.</TableEmpty>
      ) : (
        <ul className="divide-y divide-zinc-100" data-testid="security-blueprints">
          {blueprints.map((b) => (
            <li key={b.id} className="flex flex-wrap items-center justify-between gap-2 px-5 py-3">
              <Link to="/admin/blueprints/$blueprintId" params={{ blueprintId: b.id }} className="font-medium text-zinc-900 underline-offset-2 hover:underline">{b.name}</Link>
              <span className="flex flex-wrap gap-1.5">
                {b.openToEveryone && <Badge tone="info">Open to everyone</Badge>}
                {b.allowsPublicApps && <Badge tone="warning">Public apps allowed</Badge>}
                {b.trustedPublishing && <Badge>Trusted publishing</Badge>}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function Governance({ governance }: { governance: SecurityOverview['governance'] }) {
  const quiet = governance.denied7d === 0 && governance.held7d === 0 && governance.pendingNow === 0
    && governance.latestDenials.length === 0 && governance.latestHeld.length === 0;
  const stat = (label: string, n: number, testId: string) => (
    <div className="rounded-md bg-zinc-50 px-3 py-2" data-testid={testId}>
      <span className="block text-xs text-zinc-500">{label}</span>
      <span className="text-lg font-semibold text-zinc-900 tabular-nums">{n}</span>
    </div>
  );
  return (
    <Section title={<span className="flex items-center gap-2"><Hourglass className="size-4" aria-hidden />Agent governance</span>}
      description="Actions of the AI agents that the governance refused, or held for an admin.">
      {quiet ? (
        <p className="text-sm text-zinc-500">No action was refused or held in the last 7 days.</p>
      ) : (
        <div className="space-y-4">
          <div className="grid grid-cols-3 gap-2">
            {stat('Refused, 7 days', governance.denied7d, 'governance-denied')}
            {stat('Held, 7 days', governance.held7d, 'governance-held')}
            {stat('Waiting now', governance.pendingNow, 'governance-pending')}
          </div>
          {governance.latestDenials.length > 0 && (
            <div>
              <h3 className="mb-1 text-xs font-medium tracking-wide text-zinc-500 uppercase">Latest refused</h3>
              <ul className="space-y-1 text-sm">
                {governance.latestDenials.map((d, i) => (
                  <li key={`${d.at}-${i}`} className="flex justify-between gap-3">
                    <span className="min-w-0 truncate" title={d.summary}>{d.summary}</span>
                    <span className="shrink-0 text-xs text-zinc-500">{d.userEmail ?? ''} · {timeAgo(d.at)}</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {governance.latestHeld.length > 0 && (
            <div>
              <h3 className="mb-1 text-xs font-medium tracking-wide text-zinc-500 uppercase">Latest held</h3>
              <ul className="space-y-1 text-sm">
                {governance.latestHeld.map((h) => (
                  <li key={h.id} className="flex justify-between gap-3">
                    <span className="min-w-0 truncate" title={h.summary}>{h.summary}</span>
                    <span className="shrink-0 text-xs text-zinc-500">{h.state === 'pending' ? 'waiting' : h.state} · {timeAgo(h.requestedAt)}</span>
                  </li>
                ))}
              </ul>
              <Link to="/admin/governance/approvals" className="mt-2 inline-block text-sm underline underline-offset-2">Approvals</Link>
            </div>
          )}
        </div>
      )}
    </Section>
  );
}

function Members({ title, icon, description, members, empty, testId }: { title: string; icon: ReactNode; description: string; members: SecurityMember[]; empty: string; testId: string }) {
  return (
    <Section flush title={<span className="flex items-center gap-2">{icon}{title}</span>} description={description}>
      {members.length === 0 ? (
        <TableEmpty>{empty}</TableEmpty>
      ) : (
        <ul className="divide-y divide-zinc-100" data-testid={testId}>
          {members.map((m) => (
            <li key={m.id} className="flex items-center justify-between gap-3 px-5 py-2.5 text-sm">
              <span className="min-w-0">
                <span className="block font-medium text-zinc-900">{m.name || m.email}</span>
                <span className="block text-xs text-zinc-500">{m.email}</span>
              </span>
              <span className="shrink-0 text-xs text-zinc-500">{m.lastLoginAt ? `Signed in ${timeAgo(m.lastLoginAt)}` : 'Never signed in'}</span>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
