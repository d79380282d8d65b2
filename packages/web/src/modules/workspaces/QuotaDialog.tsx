import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Square } from 'lucide-react';
import { errorMessage } from '../../api/client';
import { workspaceActionMutation } from '../../api/workspaces';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';

interface QuotaDialogProps {
  /** The refusal's list: the workspaces running now, and the limit. Null: closed. */
  refusal: { limit: number; running: Array<{ id: string; name: string }> } | null;
  /** What was refused ("create the workspace", "start …"), tried again once one is stopped. */
  retryLabel: string;
  onRetry: () => void;
  onClose: () => void;
}

/**
 * The running limit refused a create or start: it names what runs and offers to stop
 * one, then to try again, rather than leaving the builder to find the list elsewhere.
 */
export function QuotaDialog({ refusal, retryLabel, onRetry, onClose }: QuotaDialogProps) {
  const queryClient = useQueryClient();
  const stop = useMutation(workspaceActionMutation(queryClient));
  const [stopped, setStopped] = useState<string[]>([]);
  const limit = refusal?.limit ?? 0;

  const close = () => {
    setStopped([]);
    stop.reset();
    onClose();
  };

  return (
    <Dialog
      open={refusal !== null}
      size="md"
      busy={stop.isPending}
      onClose={close}
      title={`You can run ${limit} workspace${limit === 1 ? '' : 's'} at once`}
      description="Stop one of these to make room. Its files are kept, and you can start it again later."
    >
      <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-200" aria-label="Running workspaces">
        {refusal?.running.map((w) => (
          <li key={w.id} className="flex items-center justify-between gap-3 px-3 py-2">
            <span className="truncate text-sm font-medium text-zinc-900">{w.name}</span>
            {stopped.includes(w.id) ? (
              <span className="text-xs text-zinc-500">Stopping</span>
            ) : (
              <Button
                size="sm"
                icon={<Square className="size-3.5" aria-hidden />}
                loading={stop.isPending && stop.variables?.workspaceId === w.id}
                disabled={stop.isPending}
                aria-label={`Stop ${w.name}`}
                onClick={() => stop.mutate({ workspaceId: w.id, action: 'stop' }, { onSuccess: () => setStopped((s) => [...s, w.id]) })}
              >
                Stop
              </Button>
            )}
          </li>
        ))}
      </ul>
      {stop.isError && (
        <ErrorBanner className="mt-4" title="Could not stop it">
          {errorMessage(stop.error)}
        </ErrorBanner>
      )}
      <div className="mt-6 flex justify-end gap-2">
        <Button onClick={close} disabled={stop.isPending}>
          Cancel
        </Button>
        <Button
          variant="primary"
          disabled={stopped.length === 0 || stop.isPending}
          onClick={() => {
            setStopped([]);
            onRetry();
          }}
        >
          {retryLabel}
        </Button>
      </div>
    </Dialog>
  );
}
