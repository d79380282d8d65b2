import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Play, Power, Trash2 } from 'lucide-react';
import type { Workspace } from '@paddock/protocol';
import { quotaRefusal, workspaceActionMutation, type WorkspaceAction } from '../../api/workspaces';
import { errorMessage } from '../../api/client';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { canDelete, canStart, canStop } from './workspaceActions';
import { QuotaDialog } from './QuotaDialog';

interface WorkspaceActionsProps {
  workspace: Workspace;
  size?: 'sm' | 'md';
  /** Include the workspace name in accessible names (lists have many rows). */
  labelWithName?: boolean;
  onDeleted?: () => void;
  onError?: (message: string | null) => void;
}

/** Start or Stop, and Delete (after a confirmation), for one workspace. */
export function WorkspaceActions({ workspace, size = 'md', labelWithName = false, onDeleted, onError }: WorkspaceActionsProps) {
  const queryClient = useQueryClient();
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [quota, setQuota] = useState<ReturnType<typeof quotaRefusal>>(null);
  const mutation = useMutation({
    ...workspaceActionMutation(queryClient),
    onMutate: () => onError?.(null),
    onError: (error) => {
      // Past the running limit: offer to stop one of those that run, rather than only saying so.
      const refusal = quotaRefusal(error);
      if (refusal) setQuota(refusal);
      else onError?.(errorMessage(error));
    },
  });
  const pending = mutation.isPending ? mutation.variables?.action : undefined;

  const run = (action: WorkspaceAction) =>
    mutation.mutate(
      { workspaceId: workspace.id, action },
      {
        onSuccess: () => {
          if (action !== 'delete') return;
          setConfirmingDelete(false);
          onDeleted?.();
        },
        onError: () => setConfirmingDelete(false),
      },
    );

  const label = (verb: string) => (labelWithName ? `${verb} ${workspace.displayName}` : undefined);
  // One lifecycle button: Stop while it runs or is on its way up, else Start.
  const stop = canStop(workspace.state);

  return (
    <div className="flex items-center gap-2">
      {stop ? (
        <Button
          size={size}
          // A power icon: the workspace's Stop must not look like the chat's Stop reply.
          icon={<Power className="size-3.5" aria-hidden />}
          loading={pending === 'stop'}
          disabled={mutation.isPending}
          aria-label={label('Stop')}
          onClick={() => run('stop')}
        >
          Stop
        </Button>
      ) : (
        <Button
          size={size}
          icon={<Play className="size-3.5" aria-hidden />}
          loading={pending === 'start'}
          disabled={mutation.isPending || !canStart(workspace.state)}
          aria-label={label('Start')}
          onClick={() => run('start')}
        >
          Start
        </Button>
      )}
      <Button
        size={size}
        variant="danger"
        icon={<Trash2 className="size-3.5" aria-hidden />}
        disabled={mutation.isPending || !canDelete(workspace.state)}
        aria-label={label('Delete')}
        onClick={() => setConfirmingDelete(true)}
      >
        Delete
      </Button>
      <QuotaDialog
        refusal={quota}
        retryLabel={`Start ${workspace.displayName}`}
        onClose={() => setQuota(null)}
        onRetry={() => {
          setQuota(null);
          run('start');
        }}
      />
      <ConfirmDialog
        open={confirmingDelete}
        title="Delete workspace?"
        description={
          <>
            <span className="font-medium text-zinc-900">{workspace.displayName}</span> and everything in it will be
            permanently removed. This cannot be undone.
          </>
        }
        confirmLabel="Delete workspace"
        destructive
        loading={pending === 'delete'}
        onConfirm={() => run('delete')}
        onClose={() => setConfirmingDelete(false)}
      />
    </div>
  );
}
