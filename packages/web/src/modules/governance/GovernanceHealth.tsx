import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ShieldCheck } from 'lucide-react';
import type { EnforcementPointStatus, GovernanceHealthItem, GovernanceHealthMode, GovernanceHealthReport } from '@paddock/protocol';
import { governanceHealthQuery } from '../../api/governance';
import { Badge, type BadgeTone } from '../../components/Badge';
import { EmptyState } from '../../components/EmptyState';
import { QueryView } from '../../components/QueryView';
import { Section } from '../../components/Section';
import { TBody, THead, Table, TableSkeleton, Td, Th } from '../../components/Table';
import { useGovernanceNames } from './EventTable';
import { healthShareWords } from './governanceWords';

const POINT_WORDS: Record<EnforcementPointStatus, { text: string; tone: BadgeTone }> = {
  active: { text: 'Active', tone: 'success' },
  unused: { text: 'No model route', tone: 'neutral' },
  missing: { text: 'Missing', tone: 'danger' },
  unknown: { text: 'Unknown', tone: 'warning' },
};
const MODE_WORDS: Record<GovernanceHealthMode, string> = { enforce: 'Enforce', monitor: 'Monitor', off: 'Off', unknown: 'Unknown' };

/**
 * Governance health: the share of running workspaces whose agent hooks, LLM
 * gateway and egress proxy all serve them with a policy in force, and every
 * workspace where one is missing or unknown, with what is wrong in words.
 */
export function GovernanceHealthPanel() {
  const health = useQuery(governanceHealthQuery());
  return (
    <div data-testid="governance-health">
      <Section flush title="Governance health"
        description="Running workspaces whose agent hooks, LLM gateway and egress proxy all serve them with a policy in force. An alert fires for any other (deploy/prometheus).">
        <QueryView query={health} loading={<TableSkeleton rows={2} label="Loading governance health" />} errorTitle="Could not load governance health" errorClassName="m-4">
          {(r) => <HealthView report={r} />}
        </QueryView>
      </Section>
    </div>
  );
}

function HealthView({ report: r }: { report: GovernanceHealthReport }) {
  const problems = r.items.filter((i) => i.health !== 'healthy');
  const tone: BadgeTone = r.share === null ? 'neutral' : r.unhealthy > 0 ? 'danger' : r.unknown > 0 ? 'warning' : 'success';
  return (
    <div>
      <div className="flex flex-wrap items-center gap-3 px-4 py-3" data-testid="governance-health-share">
        <Badge tone={tone}>{healthShareWords(r)}</Badge>
        <span className="text-sm text-zinc-600">
          {[r.unhealthy > 0 && `${r.unhealthy} unhealthy`, r.unknown > 0 && `${r.unknown} not reported`].filter(Boolean).join(' · ')}
        </span>
      </div>
      {problems.length === 0 ? (
        <EmptyState className="m-4" icon={<ShieldCheck className="size-5" />}
          title={r.share === null ? 'No workspace runs' : 'Every running workspace is governed'}
          description={r.share === null ? 'Workspaces appear here while they run.' : 'Hooks, gateway and proxy serve each of them with a policy in force.'} />
      ) : (
        <ProblemTable items={problems} />
      )}
    </div>
  );
}

function ProblemTable({ items }: { items: GovernanceHealthItem[] }) {
  const names = useGovernanceNames();
  return (
    <Table>
      <THead>
        <Th>Workspace</Th>
        <Th>Hooks</Th>
        <Th>Gateway</Th>
        <Th>Proxy</Th>
        <Th>Mode</Th>
        <Th>Problems</Th>
      </THead>
      <TBody>
        {items.map((i) => (
          <tr key={i.workspaceId} data-testid="governance-health-problem">
            <Td>
              <Link to="/workspaces/$workspaceId" params={{ workspaceId: i.workspaceId }} className="font-mono hover:underline">{i.workspaceId.slice(0, 8)}</Link>
              <p className="text-xs text-zinc-500">{names.user(i.ownerId)} · {names.blueprint(i.blueprintId)}</p>
            </Td>
            <Td><Point status={i.hooks} /></Td>
            <Td><Point status={i.gateway} /></Td>
            <Td><Point status={i.proxy} /></Td>
            <Td>{MODE_WORDS[i.mode]}{i.killSwitch && <Badge tone="danger" className="ml-1">Kill switch</Badge>}</Td>
            <Td className="max-w-md text-sm text-zinc-700">
              <ul className="list-disc space-y-1 pl-4">{i.problems.map((p) => <li key={p}>{p}</li>)}</ul>
            </Td>
          </tr>
        ))}
      </TBody>
    </Table>
  );
}

function Point({ status }: { status: EnforcementPointStatus }) {
  const w = POINT_WORDS[status];
  return <Badge tone={w.tone} className="whitespace-nowrap">{w.text}</Badge>;
}
