import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Hourglass, OctagonX, ShieldX, TriangleAlert } from 'lucide-react';
import type { WorkspaceDecidedHold, WorkspaceGovernance } from '@paddock/protocol';
import { workspaceGovernanceQuery } from '../../api/workspaceGovernance';
import { cn } from '../../components/cn';
import { timeLeft } from '../../components/formatTime';
import { useNow } from '../../components/useNow';
import { heldOutcomeWords, killSwitchScopeWords, killSwitchWords, waitingWords } from './governanceWords';

/** How long "An admin denied: …" stays once the builder saw the hold waiting. */
const DENIAL_SHOWN_MS = 8_000;

type Variant = 'panel' | 'terminal';

const UNAVAILABLE = "Could not check whether an admin holds or stops this workspace's agents; it looks again when anything changes.";

const tones: Record<Variant, Record<'stopped' | 'waiting' | 'denied' | 'quiet', string>> = {
  panel: {
    stopped: 'border-red-300 bg-red-50 text-red-900',
    waiting: 'border-amber-200 bg-amber-50 text-amber-900',
    denied: 'border-red-200 bg-red-50 text-red-900',
    quiet: 'border-zinc-200 bg-zinc-50 text-zinc-600',
  },
  terminal: {
    stopped: 'border-red-500/60 bg-red-950/95 text-red-100',
    waiting: 'border-amber-500/60 bg-amber-950/95 text-amber-100',
    denied: 'border-red-500/60 bg-red-950/95 text-red-100',
    quiet: 'stay-dark border-zinc-700 bg-zinc-900/95 text-zinc-300',
  },
};

/**
 * What governance does to this workspace's agents, in plain words, where the builder
 * watches them (the AI chat and the Claude Code tab): a kill switch and the admin's
 * reason, each action waiting for an admin with its time left, and for a few seconds
 * an admin's denial of one the builder saw waiting. Nothing while it loads or when
 * there is nothing to say; it follows the portal's event stream, so it changes
 * within a second of a hold or a kill switch.
 */
export function WorkspaceGovernanceBanner({ workspaceId, variant, className }: { workspaceId: string; variant: Variant; className?: string }) {
  const governance = useQuery(workspaceGovernanceQuery(workspaceId));
  const denials = useDenials(governance.data);
  const now = useNow();
  const tone = tones[variant];
  const data = governance.data;
  const iconSize = variant === 'terminal' ? 'size-3.5' : 'size-4';

  const lines = [];
  if (data?.killSwitch.engaged) {
    lines.push(
      <Line variant={variant} key="kill" testId="governance-kill-switch"
        title={`${killSwitchWords(data.killSwitch.reason)} ${killSwitchScopeWords(data.killSwitch.scope)}`} tone={tone.stopped} icon={<OctagonX className={iconSize} aria-hidden />}>
        <span className="font-medium">{killSwitchWords(data.killSwitch.reason)}</span>
        <span className="opacity-80"> {killSwitchScopeWords(data.killSwitch.scope)}</span>
      </Line>,
    );
  }
  for (const hold of data?.holds ?? []) {
    lines.push(
      <Line
        variant={variant} key={hold.id} testId="governance-hold" title={waitingWords(hold.summary)} tone={tone.waiting}
        icon={<Hourglass className={iconSize} aria-hidden />}
        aside={<span className="shrink-0 whitespace-nowrap opacity-80"> · {timeLeft(hold.expiresAt, now)}</span>}
      >
        <span className="font-medium">{waitingWords(hold.summary)}</span>
      </Line>,
    );
  }
  for (const denial of denials) {
    lines.push(
      <Line variant={variant} key={denial.id} testId="governance-denied" title={heldOutcomeWords(denial)} tone={tone.denied} icon={<ShieldX className={iconSize} aria-hidden />}>
        <span className="font-medium">{heldOutcomeWords(denial)}</span>
      </Line>,
    );
  }
  if (governance.isError && !data) {
    lines.push(
      <Line variant={variant} key="error" testId="governance-error" title={UNAVAILABLE} tone={tone.quiet} icon={<TriangleAlert className={iconSize} aria-hidden />}>
        {UNAVAILABLE}
      </Line>,
    );
  }
  if (lines.length === 0) return null;
  return (
    <div role="status" aria-live="polite" data-testid="governance-banner" className={cn('flex flex-col gap-1.5', className)}>
      {lines}
    </div>
  );
}

/** One thing to say. Over the terminal a line stays one row high (the full text in its tooltip), so it hides little of it. */
function Line({ variant, testId, tone, icon, title, aside, children }: {
  variant: Variant; testId: string; tone: string; icon: ReactNode; title: string; aside?: ReactNode; children: ReactNode;
}) {
  const compact = variant === 'terminal';
  return (
    <div data-testid={testId} className={cn('flex items-start gap-2 rounded-md border shadow-sm', compact ? 'pointer-events-auto px-2.5 py-1 text-xs' : 'px-3 py-2 text-sm', tone)}>
      <span className={compact ? 'mt-px shrink-0' : 'mt-0.5 shrink-0'}>{icon}</span>
      <p className={cn('min-w-0', compact ? 'truncate' : 'break-words')} title={compact ? title : undefined}>
        {children}
        {!compact && aside}
      </p>
      {/* Over the terminal the time left never truncates away with a long summary. */}
      {compact && aside}
    </div>
  );
}

/**
 * The holds this page saw waiting that were then denied (or expired, which denies
 * them), each for a few seconds. One decided before the page opened is old news.
 */
function useDenials(data: WorkspaceGovernance | undefined): WorkspaceDecidedHold[] {
  const seenWaiting = useRef(new Set<string>());
  const told = useRef(new Set<string>());
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  const [denials, setDenials] = useState<WorkspaceDecidedHold[]>([]);

  useEffect(() => {
    if (!data) return;
    const fresh = data.decided.filter((d) => d.state !== 'approved' && seenWaiting.current.has(d.id) && !told.current.has(d.id));
    for (const hold of data.holds) seenWaiting.current.add(hold.id);
    if (fresh.length === 0) return;
    for (const d of fresh) told.current.add(d.id);
    setDenials((shown) => [...shown, ...fresh]);
    const ids = new Set(fresh.map((d) => d.id));
    // Not cleared by the next refetch: each denial leaves on its own time.
    const timer = setTimeout(() => {
      timers.current.delete(timer);
      setDenials((shown) => shown.filter((d) => !ids.has(d.id)));
    }, DENIAL_SHOWN_MS);
    timers.current.add(timer);
  }, [data]);

  useEffect(() => () => { for (const timer of timers.current) clearTimeout(timer); }, []);

  return denials;
}
