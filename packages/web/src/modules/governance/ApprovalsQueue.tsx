import { useId, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Check, Hourglass, X } from 'lucide-react';
import { MAX_APPROVAL_MINUTES, type ApprovalDecisionRequest, type ApprovalItem } from '@paddock/protocol';
import { decideApprovalMutation, governanceApprovalsQuery } from '../../api/governance';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBanner } from '../../components/ErrorBanner';
import { controlClass } from '../../components/Field';
import { Notice } from '../../components/Notice';
import { QueryView } from '../../components/QueryView';
import { Skeleton } from '../../components/Skeleton';
import { cn } from '../../components/cn';
import { formatDateTime, timeAgo, timeLeft } from '../../components/formatTime';
import { useNow } from '../../components/useNow';
import { useGovernanceNames } from './EventTable';
import { CLASS_LABELS } from './governanceWords';

/** What a decision is called, on its button and in the note after it. */
function decisionWords(d: ApprovalDecisionRequest): string {
  if (d.decision === 'deny') return d.scope === 'rule' ? 'Denied, and a deny rule added' : 'Denied once';
  if (d.scope === 'minutes') return `Approved for ${d.minutes} minutes`;
  return d.scope === 'rule' ? 'Approved, and an allow rule added' : 'Approved once';
}

/** The held actions waiting for an admin, oldest first, each with its decisions. */
export function ApprovalsQueue({ readOnly }: { readOnly: boolean }) {
  const pending = useQuery(governanceApprovalsQuery('pending'));
  const [decided, setDecided] = useState<Array<{ id: string; text: string }>>([]);
  const now = useNow();

  return (
    <div className="space-y-3">
      <div aria-live="polite" className="space-y-2">
        {decided.map((d) => (
          <Notice key={d.id} tone="success" title={d.text} />
        ))}
      </div>
      <QueryView
        query={pending}
        loading={<div aria-busy="true" aria-label="Loading held actions" className="space-y-3"><Skeleton className="h-28 w-full" /><Skeleton className="h-28 w-full" /></div>}
        errorTitle="Could not load the held actions"
        empty={<EmptyState icon={<Hourglass className="size-5" />} title="Nothing is waiting" description="Actions the policy holds for an admin appear here, live." />}
      >
        {(items) => (
          <ul className="space-y-3">
            {[...items].sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : 1)).map((a) => (
              <ApprovalCard key={a.id} approval={a} now={now} readOnly={readOnly}
                onDecided={(text) => setDecided((before) => [{ id: a.id, text: `${text}: ${a.summary}` }, ...before].slice(0, 3))} />
            ))}
          </ul>
        )}
      </QueryView>
    </div>
  );
}

function ApprovalCard({ approval: a, now, readOnly, onDecided }: { approval: ApprovalItem; now: number; readOnly: boolean; onDecided: (text: string) => void }) {
  const queryClient = useQueryClient();
  const names = useGovernanceNames();
  const [minutes, setMinutes] = useState('30');
  const onceOnlyId = useId();
  const decide = useMutation({
    ...decideApprovalMutation(queryClient),
    onSuccess: (result, { decision }) => {
      // The decided one and every identical request it released leave the queue at once.
      const gone = new Set([result.approval.id, ...result.released]);
      queryClient.setQueryData(governanceApprovalsQuery('pending').queryKey, (items) => items?.filter((i) => !gone.has(i.id)));
      const others = result.released.length;
      onDecided(decisionWords(decision) + (others ? ` (and ${others} identical ${others === 1 ? 'request' : 'requests'})` : ''));
    },
  });
  const send = (decision: ApprovalDecisionRequest) => decide.mutate({ id: a.id, decision });
  const minutesValue = Number(minutes);
  const minutesOk = Number.isInteger(minutesValue) && minutesValue >= 1 && minutesValue <= MAX_APPROVAL_MINUTES;
  // A model call has no exact match to make a rule of; the API refuses it.
  const canRule = a.class !== 'llm_call';
  // The portal holds only a mask of a credential the action carried: a grant would name the mask and match nothing.
  const onceOnly = a.redacted;
  const left = timeLeft(a.expiresAt, now);
  const busy = decide.isPending;

  return (
    <li>
      <Card className={cn('p-4', busy && 'opacity-60')} data-testid="approval">
        <article aria-label={`Held: ${a.summary}`} aria-busy={busy || undefined}>
          <div className="flex flex-wrap items-start justify-between gap-3">
            <div className="min-w-0">
              <p className="font-mono text-sm break-all text-zinc-900">{a.summary}</p>
              <p className="mt-1 text-xs text-zinc-500">
                {CLASS_LABELS[a.class]} · asked by <span className="text-zinc-700">{names.user(a.userId)}</span> in{' '}
                <Link to="/workspaces/$workspaceId" params={{ workspaceId: a.workspaceId }} className="font-mono hover:underline">{a.workspaceId.slice(0, 8)}</Link>
                {' '}({names.blueprint(a.blueprintId)}) · <span title={formatDateTime(a.requestedAt)}>{timeAgo(a.requestedAt, now)}</span>
                {a.ruleId && <> · rule <span className="font-mono">{a.ruleId}</span></>}
              </p>
            </div>
            <Badge tone={left === 'expired' ? 'danger' : 'warning'} data-testid="approval-time-left">{left}</Badge>
          </div>
          {decide.isError && <ErrorBanner className="mt-3" title="The decision did not go through" error={decide.error} />}
          {busy && decide.variables && <p className="mt-3 text-sm text-zinc-600" role="status">{decisionWords(decide.variables.decision)}…</p>}
          {!readOnly && !busy && (
            <div className="mt-3 flex flex-wrap items-center gap-2">
              <Button size="sm" variant="primary" icon={<Check className="size-4" aria-hidden />} onClick={() => send({ decision: 'approve', scope: 'once' })}>Approve once</Button>
              <span className="inline-flex items-center gap-1">
                <input aria-label="Minutes" type="number" min={1} max={MAX_APPROVAL_MINUTES} value={minutes} onChange={(e) => setMinutes(e.target.value)}
                  disabled={onceOnly} aria-invalid={minutesOk ? undefined : true} className={cn(controlClass, 'h-8 w-20')} />
                <Button size="sm" disabled={!minutesOk || onceOnly} aria-describedby={onceOnly ? onceOnlyId : undefined}
                  onClick={() => send({ decision: 'approve', scope: 'minutes', minutes: minutesValue })}>Approve for {minutesOk ? minutesValue : 'N'} min</Button>
              </span>
              {canRule && <Button size="sm" disabled={onceOnly} aria-describedby={onceOnly ? onceOnlyId : undefined} onClick={() => send({ decision: 'approve', scope: 'rule' })}>Approve and add rule</Button>}
              <span className="mx-1 h-5 w-px bg-zinc-200" aria-hidden />
              <Button size="sm" variant="danger" icon={<X className="size-4" aria-hidden />} onClick={() => send({ decision: 'deny', scope: 'once' })}>Deny once</Button>
              {canRule && <Button size="sm" variant="danger" disabled={onceOnly} aria-describedby={onceOnly ? onceOnlyId : undefined} onClick={() => send({ decision: 'deny', scope: 'rule' })}>Deny and add rule</Button>}
            </div>
          )}
          {!readOnly && !busy && onceOnly && (
            <p id={onceOnlyId} className="mt-2 text-xs text-zinc-600" data-testid="approval-once-only">
              This action carried one of the workspace&apos;s secrets, which Paddock hides here. A time window or a rule would have to name the
              hidden value, so it can only be approved or denied once.
            </p>
          )}
        </article>
      </Card>
    </li>
  );
}
