import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { AdminWorkspace } from '@paddock/protocol';
import { refreshAdminWorkspaces } from '../../api/adminWorkspaces';
import { errorMessage } from '../../api/client';
import { workspaceActionMutation, type WorkspaceAction } from '../../api/workspaces';

export interface BulkRun {
  action: WorkspaceAction;
  total: number;
  done: number;
  failures: Array<{ workspace: AdminWorkspace; message: string }>;
  finished: boolean;
}

/**
 * Starts, stops or deletes workspaces one after the other through the workspace routes
 * (each call authorized and audited as the admin, as for one), saying how far it got and
 * which failed and why: a partial failure is shown, never dropped.
 */
export function useBulkWorkspaceAction() {
  const queryClient = useQueryClient();
  const { mutationFn } = workspaceActionMutation(queryClient);
  const [run, setRun] = useState<BulkRun | null>(null);

  const start = async (action: WorkspaceAction, workspaces: AdminWorkspace[]): Promise<BulkRun> => {
    let current: BulkRun = { action, total: workspaces.length, done: 0, failures: [], finished: false };
    setRun(current);
    for (const workspace of workspaces) {
      try {
        await mutationFn({ workspaceId: workspace.id, action });
        current = { ...current, done: current.done + 1 };
      } catch (error) {
        current = { ...current, done: current.done + 1, failures: [...current.failures, { workspace, message: errorMessage(error) }] };
      }
      setRun(current);
    }
    current = { ...current, finished: true };
    setRun(current);
    await refreshAdminWorkspaces(queryClient);
    return current;
  };

  return { run, start, busy: run !== null && !run.finished, dismiss: () => setRun(null) };
}
