import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Clock } from 'lucide-react';
import type { Workspace } from '@paddock/protocol';
import { errorMessage } from '../../api/client';
import { keepAliveMutation } from '../../api/workspaces';
import { Button } from '../../components/Button';
import { Notice } from '../../components/Notice';
import { formatDateTime } from '../../components/formatTime';
import { useNow } from '../../components/useNow';

/** How long before an automatic stop the page warns. */
const WARN_MS = 10 * 60_000;
/** How long before a cleanup its owner is warned. */
const CLEANUP_WARN_MS = 24 * 60 * 60_000;

/** A stopped workspace the cleanup deletes within a day: its owner is warned (its page, the list). */
export function cleanupSoon(workspace: Pick<Workspace, 'deletesAt'>, now: number): boolean {
  return workspace.deletesAt !== null && new Date(workspace.deletesAt).getTime() - now <= CLEANUP_WARN_MS;
}

const clockTime = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

/** "14:20" today, else the date too. */
function when(iso: string, now: number): string {
  const at = new Date(iso);
  return at.toDateString() === new Date(now).toDateString() ? clockTime.format(at) : formatDateTime(iso);
}

function minutesLeft(iso: string, now: number): number {
  return Math.max(1, Math.round((new Date(iso).getTime() - now) / 60_000));
}

/**
 * The resource policy's deadline, said in the header: "Stops at 14:20 if idle", or at the
 * end of its lifetime; ten minutes before, a warning with Keep running (which pushes an
 * idle stop, never a lifetime's end). Coder's users learnt that a workspace that stops
 * without saying why is worse than one that never stops.
 */
export function WorkspaceDeadline({ workspace, canOperate }: { workspace: Workspace; canOperate: boolean }) {
  const now = useNow(5_000);
  const queryClient = useQueryClient();
  const keep = useMutation(keepAliveMutation(queryClient));
  const { stopsAt, stopReason } = workspace;
  if (!stopsAt || workspace.desiredState !== 'running') return null;
  const soon = new Date(stopsAt).getTime() - now <= WARN_MS;
  const idle = stopReason === 'idle';
  const keepButton = idle && canOperate && (
    <Button size="sm" loading={keep.isPending} onClick={() => keep.mutate(workspace.id)}>
      Keep running
    </Button>
  );

  return (
    <>
      <p className="mt-1 flex items-center gap-1.5 text-sm text-zinc-500" data-testid="workspace-deadline">
        <Clock className="size-3.5" aria-hidden />
        {idle ? `Stops at ${when(stopsAt, now)} if idle` : `Stops at ${when(stopsAt, now)}: it reaches its maximum running time`}
      </p>
      {soon && (
        <Notice tone="warning" role="alert" className="mt-3" title={`This workspace stops in ${minutesLeft(stopsAt, now)} min`}>
          <div className="flex flex-wrap items-center justify-between gap-3">
            <span>
              {idle
                ? 'Nothing has happened in it for a while. Its files are kept when it stops.'
                : 'It has run as long as your organization allows at a time. Its files are kept; start it again afterwards.'}
            </span>
            {keepButton}
          </div>
          {keep.isError && <p className="mt-2 text-red-700">{errorMessage(keep.error)}</p>}
        </Notice>
      )}
    </>
  );
}

/** Why a stopped workspace stopped, when the policy did it, and when cleanup will delete it. */
export function StoppedByPolicy({ workspace }: { workspace: Workspace }) {
  const now = useNow(60_000);
  const { stopReason, deletesAt } = workspace;
  const why = stopReason === 'idle'
    ? 'It stopped by itself after a while without activity.'
    : stopReason === 'lifetime'
      ? 'It stopped by itself at the end of its maximum running time.'
      : null;
  const deletingSoon = deletesAt && cleanupSoon(workspace, now);
  return (
    <>
      {why && <span className="block">{why}</span>}
      {deletesAt && !deletingSoon && <span className="block">Unused workspaces are deleted: this one on {formatDateTime(deletesAt)}, unless you start it.</span>}
      {deletingSoon && (
        <Notice tone="warning" role="alert" className="mt-3 text-left" title={`It will be deleted with its files on ${formatDateTime(deletesAt)}`}>
          It has been stopped a long time. Start it to keep it.
        </Notice>
      )}
    </>
  );
}
