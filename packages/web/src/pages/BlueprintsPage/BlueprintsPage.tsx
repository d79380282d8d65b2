import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { LayoutTemplate } from 'lucide-react';
import type { Blueprint, Workspace } from '@paddock/protocol';
import { blueprintsQuery } from '../../api/blueprints';
import { isApiError } from '../../api/client';
import { createWorkspaceMutation, quotaRefusal } from '../../api/workspaces';
import { Card } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBanner } from '../../components/ErrorBanner';
import { PageContainer } from '../../components/PageContainer';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { Skeleton } from '../../components/Skeleton';
import { BlueprintCard } from '../../modules/blueprints/BlueprintCard';
import { generateWorkspaceName } from '../../modules/workspaces/workspaceName';
import { QuotaDialog } from '../../modules/workspaces/QuotaDialog';
import { BuildPrompt } from '../../modules/home/BuildPrompt';

// A generated name can collide; a new random suffix is the fix.
const NAME_ATTEMPTS = 3;

export function BlueprintsPage() {
  // Admins get disabled and archived blueprints too (for their pages); builders never see those here.
  const blueprints = useQuery({ ...blueprintsQuery(), select: (list: Blueprint[]) => list.filter((b) => b.enabled && b.archivedAt === null) });
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation(createWorkspaceMutation(queryClient));
  const [creatingId, setCreatingId] = useState<string | null>(null);
  const [createError, setCreateError] = useState<unknown>(null);
  const [quota, setQuota] = useState<{ blueprint: Blueprint; refusal: NonNullable<ReturnType<typeof quotaRefusal>> } | null>(null);

  const onCreate = async (blueprint: Blueprint) => {
    setCreatingId(blueprint.id);
    setCreateError(null);
    try {
      let workspace: Workspace | undefined;
      for (let attempt = 1; !workspace; attempt++) {
        try {
          workspace = await create.mutateAsync({ blueprintId: blueprint.id, name: generateWorkspaceName(blueprint.name) });
        } catch (error) {
          if (!(isApiError(error) && error.code === 'conflict' && attempt < NAME_ATTEMPTS)) throw error;
        }
      }
      await navigate({ to: '/workspaces/$workspaceId', params: { workspaceId: workspace.id } });
    } catch (error) {
      const refusal = quotaRefusal(error);
      if (refusal) setQuota({ blueprint, refusal });
      else setCreateError(error);
    } finally {
      setCreatingId(null);
    }
  };

  return (
    <PageContainer>
      <BuildPrompt />
      <PageHeader
        title="Blueprints"
        description="Pick a starting point. Create gives you a ready workspace with a terminal and AI tools."
      />
      {createError != null && (
        <ErrorBanner title="Could not create the workspace" error={createError} className="mb-6" />
      )}
      <QuotaDialog
        refusal={quota?.refusal ?? null}
        retryLabel="Create the workspace"
        onClose={() => setQuota(null)}
        onRetry={() => {
          const blueprint = quota?.blueprint;
          setQuota(null);
          if (blueprint) void onCreate(blueprint);
        }}
      />
      <QueryView
        query={blueprints}
        loading={
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {[0, 1, 2].map((i) => (
              <Card key={i} className="p-5">
                <Skeleton className="size-9" />
                <Skeleton className="mt-4 h-4 w-1/2" />
                <Skeleton className="mt-3 h-3 w-full" />
                <Skeleton className="mt-2 h-3 w-4/5" />
                <Skeleton className="mt-6 h-8 w-24" />
              </Card>
            ))}
          </div>
        }
        errorTitle="Could not load blueprints"
        empty={
          <EmptyState
            icon={<LayoutTemplate className="size-5" />}
            title="No blueprints yet"
            description="An administrator defines blueprints: the starting points builders create workspaces from."
          />
        }
      >
        {(list) => (
          <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {list.map((blueprint) => (
              <li key={blueprint.id}>
                <BlueprintCard
                  blueprint={blueprint}
                  creating={creatingId === blueprint.id}
                  disabled={creatingId !== null}
                  onCreate={() => void onCreate(blueprint)}
                />
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </PageContainer>
  );
}
