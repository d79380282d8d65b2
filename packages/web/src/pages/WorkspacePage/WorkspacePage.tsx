import { lazy, Suspense, useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { ChevronRight, CircleStop, PackageX, Trash2 } from 'lucide-react';
import type { Workspace } from '@paddock/protocol';
import { workspaceQuery } from '../../api/workspaces';
import { isApiError } from '../../api/client';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Notice } from '../../components/Notice';
import { PageContainer } from '../../components/PageContainer';
import { QueryView } from '../../components/QueryView';
import { Skeleton } from '../../components/Skeleton';
import { Spinner } from '../../components/Spinner';
import { timeAgo } from '../../components/formatTime';
import { WorkspaceAgentActivity } from '../../modules/governance/WorkspaceAgentActivity';
import { PublishedAppPanel } from '../../modules/publishing/PublishedAppPanel';
import { PublishButton } from '../../modules/publishing/PublishButton';
import { useCurrentUser } from '../../modules/auth/permissions';
import { BudgetNotice } from '../../modules/usage/BudgetNotice';
import { WorkspaceActions } from '../../modules/workspaces/WorkspaceActions';
import { WorkspaceStateBadge } from '../../modules/workspaces/WorkspaceStateBadge';
import { WorkspaceTitle } from '../../modules/workspaces/WorkspaceTitle';
import { StoppedByPolicy, WorkspaceDeadline } from '../../modules/workspaces/WorkspaceDeadline';

// The tabs (and xterm.js, the largest dependency, in them) load only on this page.
const WorkspaceLayout = lazy(() =>
  import('../../modules/workspaceTabs/WorkspaceLayout').then((m) => ({ default: m.WorkspaceLayout })),
);

const backLinkClass =
  'inline-flex h-9 items-center rounded-md border border-zinc-300 bg-white px-4 text-sm font-medium text-zinc-900 shadow-xs hover:bg-zinc-50';

export function WorkspacePage({ workspaceId }: { workspaceId: string }) {
  const navigate = useNavigate();
  const workspace = useQuery(workspaceQuery(workspaceId));
  // Publishing is the owner's alone (an admin sees someone's workspace, and can't publish it).
  const me = useCurrentUser();
  const [actionError, setActionError] = useState<string | null>(null);

  if (workspace.isError && isApiError(workspace.error) && workspace.error.isNotFound) {
    return (
      <PageContainer>
        <EmptyState
          icon={<PackageX className="size-5" />}
          title="Workspace not found"
          description="It may have been deleted, or it is not yours to see."
          action={
            <Link to="/workspaces" className={backLinkClass}>
              Back to my workspaces
            </Link>
          }
        />
      </PageContainer>
    );
  }

  return (
    <QueryView
      query={workspace}
      loading={<WorkspacePageSkeleton />}
      errorTitle="Could not load the workspace"
      errorClassName="mx-4 my-8 sm:mx-6"
    >
      {(ws) => (
        // The whole width of the screen: a workspace is a tool, its chat and preview want the room.
        <div className="flex h-[calc(100dvh-3.5rem)] w-full min-h-[28rem] flex-col px-3 py-3 sm:px-4">
          <header className="mb-3 flex flex-wrap items-center justify-between gap-x-4 gap-y-2">
            <div className="min-w-0">
              <div className="flex min-w-0 items-center gap-2">
                <nav aria-label="Breadcrumb" className="flex shrink-0 items-center gap-1 text-sm text-zinc-500">
                  <Link to="/workspaces" className="hover:text-zinc-900">
                    My workspaces
                  </Link>
                  <ChevronRight className="size-3.5" aria-hidden />
                </nav>
                <WorkspaceTitle workspace={ws} canRename={me?.id === ws.ownerId || me?.role === 'admin'} />
                <WorkspaceStateBadge state={ws.state} />
              </div>
              <p className="mt-0.5 text-xs text-zinc-500">
                From <span className="font-medium text-zinc-700">{ws.blueprintName}</span> · created{' '}
                {timeAgo(ws.createdAt)}
                {ws.resources.diskUsedBytes !== null && ws.resources.limits && (
                  <> · files {mebibytes(ws.resources.diskUsedBytes)} of {mebibytes(ws.resources.limits.diskMiB * 1024 * 1024)}</>
                )}
              </p>
              <WorkspaceDeadline workspace={ws} canOperate={me?.id === ws.ownerId || me?.role === 'admin'} />
            </div>
            <div className="flex flex-wrap items-center gap-2">
              <WorkspaceAgentActivity workspaceId={ws.id} />
              {me?.id === ws.ownerId && <PublishedAppPanel workspaceId={ws.id} />}
              {ws.state !== 'deleted' && me?.id === ws.ownerId && <PublishButton workspace={ws} />}
              {ws.state !== 'deleted' && (
                <WorkspaceActions
                  workspace={ws}
                  onError={setActionError}
                  onDeleted={() => void navigate({ to: '/workspaces' })}
                />
              )}
            </div>
          </header>
          {ws.resources.notice && (
            <Notice tone="warning" role="status" className="mb-4" title="This workspace's resource limits">
              {ws.resources.notice}
            </Notice>
      )}
      {/* The budgets are the signed-in user's: shown on their own workspace only. */}
      {ws.state !== 'deleted' && me?.id === ws.ownerId && <BudgetNotice blueprintId={ws.blueprintId} />}
      {actionError && (
        <ErrorBanner className="mb-4" title="The action failed">
          {actionError}
        </ErrorBanner>
      )}
      <WorkspaceBody workspace={ws} />
    </div>
      )}
    </QueryView>
  );
}

function WorkspaceBody({ workspace }: { workspace: Workspace }) {
  switch (workspace.state) {
    case 'running':
      return (
        <Suspense fallback={<Skeleton className="flex-1 rounded-lg bg-zinc-800" />}>
          <WorkspaceLayout workspaceId={workspace.id} blueprintId={workspace.blueprintId} />
        </Suspense>
      );
    case 'pending':
    case 'starting':
      return (
        <Progress title="Starting your workspace…" message={workspace.stateMessage}>
          {workspace.state === 'pending' ? 'Waiting for a place to run it.' : 'Preparing the sandbox and its tools.'}
        </Progress>
      );
    case 'stopping':
      return <Progress title="Stopping your workspace…" message={workspace.stateMessage} />;
    case 'stopped':
      return (
        <Panel>
          <EmptyState
            className="border-0"
            icon={<CircleStop className="size-5" />}
            title="This workspace is stopped"
            description={
              <>
                <StoppedByPolicy workspace={workspace} />
                Its files are kept. Start it to open the terminal again.
              </>
            }
          />
        </Panel>
      );
    case 'failed':
      return (
        <div className="space-y-4">
          <ErrorBanner title="The workspace failed">
            {workspace.stateMessage || 'Something went wrong while running this workspace.'}
          </ErrorBanner>
          <p className="text-sm text-zinc-500">Start it to try again, or delete it.</p>
        </div>
      );
    case 'deleted':
      return (
        <Panel>
          <EmptyState
            className="border-0"
            icon={<Trash2 className="size-5" />}
            title="This workspace was deleted"
            action={
              <Link to="/workspaces" className={backLinkClass}>
                Back to my workspaces
              </Link>
            }
          />
        </Panel>
      );
  }
}

function mebibytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${Math.ceil(mib)} MiB`;
}

function Panel({ children }: { children: ReactNode }) {
  return (
    <div className="flex flex-1 items-center justify-center rounded-lg border border-zinc-200 bg-white">{children}</div>
  );
}

function Progress({ title, message, children }: { title: string; message?: string; children?: ReactNode }) {
  return (
    <Panel>
      <div role="status" aria-live="polite" className="flex w-full max-w-sm flex-col items-center px-6 py-16 text-center">
        <Spinner className="size-6 text-zinc-500" />
        <h2 className="mt-4 text-base font-semibold text-zinc-900">{title}</h2>
        {(message || children) && <p className="mt-1 text-sm text-zinc-500">{message || children}</p>}
        <div className="mt-6 h-1 w-full overflow-hidden rounded-full bg-zinc-100">
          <div className="animate-indeterminate h-full w-1/3 rounded-full bg-zinc-900" />
        </div>
      </div>
    </Panel>
  );
}

function WorkspacePageSkeleton() {
  return (
    <div className="flex h-[calc(100dvh-3.5rem)] w-full flex-col px-3 py-3 sm:px-4" aria-busy="true">
      <div className="mb-3 flex items-center justify-between">
        <div>
          <Skeleton className="h-7 w-64" />
          <Skeleton className="mt-2 h-4 w-40" />
        </div>
        <Skeleton className="h-9 w-44" />
      </div>
      <Skeleton className="flex-1" />
    </div>
  );
}
