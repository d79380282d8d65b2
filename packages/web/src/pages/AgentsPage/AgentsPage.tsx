import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Bot, Plus } from 'lucide-react';
import type { Agent } from '@paddock/protocol';
import { agentsQuery, createEnrollmentTokenMutation } from '../../api/agents';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Dialog } from '../../components/Dialog';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBanner } from '../../components/ErrorBanner';
import { OneTimeSecret } from '../../components/OneTimeSecret';
import { QueryView } from '../../components/QueryView';
import { PageHeader } from '../../components/PageHeader';
import { TBody, THead, Table, TableSkeleton, Td, Th } from '../../components/Table';
import { formatDateTime, timeAgo } from '../../components/formatTime';
import { ReadOnlyBadge } from '../../modules/admin/AdminLayout';
import { useCanManage } from '../../modules/auth/permissions';

export function AgentsPage() {
  const canManage = useCanManage();
  const agents = useQuery(agentsQuery());
  const [enrolling, setEnrolling] = useState(false);

  const enrollButton = (
    <Button variant="primary" icon={<Plus className="size-4" aria-hidden />} onClick={() => setEnrolling(true)}>
      Enroll an agent
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Runtime agents"
        description="The machines that run workspaces. Each connects out to Paddock over the tunnel."
        actions={canManage ? enrollButton : <ReadOnlyBadge />}
      />
      <QueryView
        query={agents}
        loading={
          <Card>
            <TableSkeleton label="Loading agents" />
          </Card>
        }
        errorTitle="Could not load agents"
        empty={
          <EmptyState
            icon={<Bot className="size-5" />}
            title="No agents yet"
            description="Workspaces need a runtime agent. Enroll one with a one-time token."
            action={canManage ? enrollButton : undefined}
          />
        }
      >
        {(list) => (
          <Card className="overflow-hidden">
            <Table>
              <THead>
                <Th>Name</Th>
                <Th>Status</Th>
                <Th>Version</Th>
                <Th>Resource limits</Th>
                <Th>Last seen</Th>
              </THead>
              <TBody>
                {list.map((agent) => (
                  <tr key={agent.id} data-testid="agent-row" className="hover:bg-zinc-50/70">
                    <Td className="font-medium text-zinc-900">{agent.name}</Td>
                    <Td>
                      {agent.refused && !agent.connected ? (
                        <div className="space-y-1" data-testid="agent-refused">
                          <Badge tone="danger" icon={<span className="size-1.5 rounded-full bg-red-500" aria-hidden />}>Refused</Badge>
                          <p className="max-w-md text-xs text-zinc-600">{agent.refused.reason}</p>
                        </div>
                      ) : agent.connected ? (
                        <Badge tone="success" icon={<span className="size-1.5 rounded-full bg-emerald-500" aria-hidden />}>
                          Connected
                        </Badge>
                      ) : (
                        <Badge icon={<span className="size-1.5 rounded-full bg-zinc-400" aria-hidden />}>Offline</Badge>
                      )}
                    </Td>
                    <Td className="font-mono text-[13px] text-zinc-600">
                      {agent.version || '—'}
                      {agent.protocol && <span className="block text-xs text-zinc-400" title="Tunnel protocol">protocol {agent.protocol}</span>}
                    </Td>
                    <Td>
                      <ResourceControlBadge control={agent.resourceControl} />
                    </Td>
                    <Td className="whitespace-nowrap text-zinc-500">
                      {agent.lastSeenAt ? <span title={formatDateTime(agent.lastSeenAt)}>{timeAgo(agent.lastSeenAt)}</span> : 'Never'}
                    </Td>
                  </tr>
                ))}
              </TBody>
            </Table>
          </Card>
        )}
      </QueryView>
      {canManage && <EnrollDialog open={enrolling} onClose={() => setEnrolling(false)} />}
    </>
  );
}

/** How the agent holds workspaces to their CPU, memory and process limits; the note (why, or what) on hover. */
function ResourceControlBadge({ control }: { control: Agent['resourceControl'] }) {
  if (!control) return <span className="text-zinc-400">—</span>;
  if (control.mechanism === 'none') {
    return <Badge tone="warning" title={control.note}>Not enforced</Badge>;
  }
  return <Badge title={control.note}>{control.mechanism === 'cgroup-v2' ? 'cgroup v2' : 'cgroup v1'}</Badge>;
}

function EnrollDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const create = useMutation(createEnrollmentTokenMutation(queryClient));

  const close = () => {
    onClose();
    create.reset();
  };

  return (
    <Dialog
      open={open}
      onClose={close}
      busy={create.isPending}
      title="Enroll a runtime agent"
      description="An enrollment token lets one agent register itself with this portal."
    >
      <div className="space-y-5">
        {create.isError && <ErrorBanner title="Could not create a token" error={create.error} />}
        {create.data ? (
          <OneTimeSecret id="enrollment-token" label="Enrollment token" value={create.data.token}>
            <p>
              Give it to the agent when it starts. It works once and expires in{' '}
              {formatDuration(create.data.expiresInSeconds)}.
            </p>
          </OneTimeSecret>
        ) : (
          <p className="text-sm text-zinc-600">
            The token is shown once. It can enroll a single agent and expires after a short while.
          </p>
        )}
        <div className="flex justify-end gap-2">
          {create.data ? (
            <Button variant="primary" onClick={close}>
              Done
            </Button>
          ) : (
            <>
              <Button onClick={close} disabled={create.isPending}>
                Cancel
              </Button>
              <Button variant="primary" loading={create.isPending} onClick={() => create.mutate()}>
                Create token
              </Button>
            </>
          )}
        </div>
      </div>
    </Dialog>
  );
}

function formatDuration(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  if (seconds >= 60) return `${Math.round(seconds / 60)} minutes`;
  return `${seconds} seconds`;
}
