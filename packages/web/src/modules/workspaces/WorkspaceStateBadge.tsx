import type { WorkspaceState } from '@paddock/protocol';
import { Badge, type BadgeTone } from '../../components/Badge';
import { Spinner } from '../../components/Spinner';
import { cn } from '../../components/cn';

const tones: Record<WorkspaceState, BadgeTone> = {
  pending: 'info',
  starting: 'info',
  running: 'success',
  stopping: 'warning',
  stopped: 'neutral',
  failed: 'danger',
  deleted: 'neutral',
};

const dots: Partial<Record<WorkspaceState, string>> = {
  running: 'bg-emerald-500',
  stopped: 'bg-zinc-400',
  failed: 'bg-red-500',
  deleted: 'bg-zinc-300',
};

/** The state word, as a badge; its text is exactly the state (tests read it). */
export function WorkspaceStateBadge({ state, className }: { state: WorkspaceState; className?: string }) {
  const busy = state === 'pending' || state === 'starting' || state === 'stopping';
  return (
    <Badge
      tone={tones[state]}
      data-testid="workspace-state"
      className={cn('capitalize', className)}
      icon={busy ? <Spinner className="size-3" /> : <span aria-hidden className={cn('size-1.5 rounded-full', dots[state])} />}
    >
      {state}
    </Badge>
  );
}
