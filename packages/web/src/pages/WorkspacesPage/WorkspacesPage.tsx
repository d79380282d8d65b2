import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Boxes, Plus } from 'lucide-react';
import type { Workspace } from '@paddock/protocol';
import { workspacesQuery } from '../../api/workspaces';
import { Card } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBanner } from '../../components/ErrorBanner';
import { PageContainer } from '../../components/PageContainer';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { Skeleton } from '../../components/Skeleton';
import { formatDateTime, timeAgo } from '../../components/formatTime';
import { useNow } from '../../components/useNow';
import { WorkspaceActions } from '../../modules/workspaces/WorkspaceActions';
import { WorkspaceStateBadge } from '../../modules/workspaces/WorkspaceStateBadge';
import { cleanupSoon } from '../../modules/workspaces/WorkspaceDeadline';

const newWorkspaceLink =
  'inline-flex h-9 items-center gap-2 rounded-md bg-zinc-900 px-4 text-sm font-medium text-white shadow-sm hover:bg-zinc-700';

export function WorkspacesPage() {
  const workspaces = useQuery(workspacesQuery());
  const [actionError, setActionError] = useState<string | null>(null);

  return (
    <PageContainer>
      <PageHeader
        title="My workspaces"
        description="Your workspaces, updated live."
        actions={
          workspaces.data && workspaces.data.length > 0 ? (
            <Link to="/" className={newWorkspaceLink}>
              <Plus className="size-4" aria-hidden />
              New workspace
            </Link>
          ) : undefined
        }
      />
      {actionError && <ErrorBanner className="mb-6" title="The action failed">{actionError}</ErrorBanner>}
      <QueryView
        query={workspaces}
        loading={<WorkspacesTableSkeleton />}
        errorTitle="Could not load workspaces"
        empty={
          <EmptyState
            icon={<Boxes className="size-5" />}
            title="No workspaces yet"
            description="Create one from a blueprint: it takes one click."
            action={
              <Link to="/" className={newWorkspaceLink}>
                Browse blueprints
              </Link>
            }
          />
        }
      >
        {(list) => <WorkspacesTable workspaces={list} onActionError={setActionError} />}
      </QueryView>
    </PageContainer>
  );
}

function WorkspacesTable({
  workspaces,
  onActionError,
}: {
  workspaces: Workspace[];
  onActionError: (message: string | null) => void;
}) {
  const sorted = [...workspaces].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <Card className="overflow-hidden">
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <thead className="border-b border-zinc-200 bg-zinc-50/80 text-xs font-medium tracking-wide text-zinc-500 uppercase">
            <tr>
              <th scope="col" className="px-4 py-3 font-medium">Name</th>
              <th scope="col" className="px-4 py-3 font-medium">Blueprint</th>
              <th scope="col" className="px-4 py-3 font-medium">State</th>
              <th scope="col" className="hidden px-4 py-3 font-medium md:table-cell">Created</th>
              <th scope="col" className="px-4 py-3 text-right font-medium">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100">
            {sorted.map((workspace) => (
              <tr key={workspace.id} data-testid="workspace-row" className="group hover:bg-zinc-50/70">
                <td className="px-4 py-3">
                  <Link
                    to="/workspaces/$workspaceId"
                    params={{ workspaceId: workspace.id }}
                    className="font-medium text-zinc-900 hover:underline"
                  >
                    {workspace.displayName}
                  </Link>
                  <CleanupWarning workspace={workspace} />
                  {workspace.state === 'failed' && workspace.stateMessage && (
                    <p className="mt-0.5 max-w-xs truncate text-xs text-red-600" title={workspace.stateMessage}>
                      {workspace.stateMessage}
                    </p>
                  )}
                </td>
                <td className="px-4 py-3 text-zinc-600">{workspace.blueprintName}</td>
                <td className="px-4 py-3">
                  <WorkspaceStateBadge state={workspace.state} />
                </td>
                <td className="hidden px-4 py-3 text-zinc-500 md:table-cell" title={formatDateTime(workspace.createdAt)}>
                  {timeAgo(workspace.createdAt)}
                </td>
                <td className="px-4 py-3">
                  <div className="flex justify-end">
                    <WorkspaceActions workspace={workspace} size="sm" labelWithName onError={onActionError} />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

/** A day before the cleanup policy deletes a stopped workspace, its owner sees it here, in the list they come back to. */
function CleanupWarning({ workspace }: { workspace: Workspace }) {
  const now = useNow(60_000);
  if (!workspace.deletesAt || !cleanupSoon(workspace, now)) return null;
  return (
    <p className="mt-0.5 text-xs text-amber-700" data-testid="cleanup-warning">
      Deleted {timeAgo(workspace.deletesAt, now)} unless you start it
    </p>
  );
}

function WorkspacesTableSkeleton() {
  return (
    <Card className="divide-y divide-zinc-100" aria-busy="true" aria-label="Loading workspaces">
      {[0, 1, 2].map((i) => (
        <div key={i} className="flex items-center gap-6 px-4 py-4">
          <Skeleton className="h-4 w-40" />
          <Skeleton className="h-4 w-24" />
          <Skeleton className="h-5 w-20 rounded-full" />
          <Skeleton className="ml-auto h-8 w-36" />
        </div>
      ))}
    </Card>
  );
}
