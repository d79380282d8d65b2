import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { GovernanceEventItem } from '@paddock/protocol';
import { blueprintsQuery } from '../../api/blueprints';
import { usersQuery } from '../../api/users';
import { Badge } from '../../components/Badge';
import { TBody, THead, Table, Td, Th } from '../../components/Table';
import { formatDateTime, timeAgo } from '../../components/formatTime';
import { CLASS_LABELS, outcomeWords } from './governanceWords';

/** People and blueprints by id, for rows that carry only ids (an id shows until they load, or if they can't). */
export function useGovernanceNames() {
  const users = useQuery(usersQuery());
  const blueprints = useQuery(blueprintsQuery());
  return {
    user: (id: string) => users.data?.find((u) => u.id === id)?.email ?? id.slice(0, 8),
    blueprint: (id: string) => blueprints.data?.find((b) => b.id === id)?.name ?? id.slice(0, 8),
  };
}

/** A verdict and whether it was applied: monitor mode reads "Would deny". */
export function OutcomeBadge({ verdict, enforced }: Pick<GovernanceEventItem, 'verdict' | 'enforced'>) {
  const { text, tone } = outcomeWords(verdict, enforced);
  return <Badge tone={tone} data-testid="event-outcome">{text}</Badge>;
}

/** Governance events as rows: when, where, who, what, and the outcome; a filter match masked. */
export function EventTable({ events, showWorkspace = true }: { events: GovernanceEventItem[]; showWorkspace?: boolean }) {
  const names = useGovernanceNames();
  return (
    <Table>
      <THead>
        <Th>When</Th>
        {showWorkspace && <Th>Workspace</Th>}
        <Th>User</Th>
        <Th>Blueprint</Th>
        <Th>Class</Th>
        <Th>Action</Th>
        <Th>Outcome</Th>
      </THead>
      <TBody>
        {events.map((e) => (
          <tr key={e.id} data-testid="governance-event">
            <Td className="whitespace-nowrap text-zinc-500"><span title={formatDateTime(e.at)}>{timeAgo(e.at)}</span></Td>
            {showWorkspace && (
              <Td className="font-mono text-[13px]">
                <Link to="/workspaces/$workspaceId" params={{ workspaceId: e.workspaceId }} className="text-zinc-700 hover:underline">{e.workspaceId.slice(0, 8)}</Link>
              </Td>
            )}
            <Td className="text-zinc-600">{names.user(e.userId)}</Td>
            <Td className="text-zinc-600">{names.blueprint(e.blueprintId)}</Td>
            <Td className="whitespace-nowrap text-zinc-600">{CLASS_LABELS[e.class]}</Td>
            <Td className="max-w-md">
              <p className="truncate font-mono text-[13px] text-zinc-900" title={e.summary}>{e.summary}</p>
              {e.filter && (
                <p className="mt-0.5 text-xs text-red-700" data-testid="event-filter">
                  {e.filter.filter} · {e.filter.rule}: <span className="font-mono">{e.filter.masked}</span>
                </p>
              )}
              {e.ruleId && <p className="mt-0.5 font-mono text-[11px] text-zinc-400">rule {e.ruleId}</p>}
            </Td>
            <Td><OutcomeBadge verdict={e.verdict} enforced={e.enforced} /></Td>
          </tr>
        ))}
      </TBody>
    </Table>
  );
}
