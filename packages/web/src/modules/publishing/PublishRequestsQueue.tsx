import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Check, Rocket, X } from 'lucide-react';
import type { PublishRequest } from '@paddock/protocol';
import { decidePublishRequestMutation, publishRequestsQuery } from '../../api/publishing';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBanner } from '../../components/ErrorBanner';
import { textareaClass } from '../../components/Field';
import { QueryView } from '../../components/QueryView';
import { Skeleton } from '../../components/Skeleton';
import { formatDateTime, timeAgo } from '../../components/formatTime';
import { useGovernanceNames } from '../governance/EventTable';
import { PublishChecks } from './PublishChecks';
import { PublishDiff } from './PublishDiff';
import { PublishStateBadge } from './PublishStateBadge';

/** Publish requests waiting for review, newest first: each with its checks, its diff on demand, approve or reject. */
export function PublishRequestsQueue({ readOnly }: { readOnly: boolean }) {
  const pending = useQuery(publishRequestsQuery('pending'));
  return (
    <QueryView
      query={pending}
      loading={<div aria-busy="true" aria-label="Loading publish requests"><Skeleton className="h-28 w-full" /></div>}
      errorTitle="Could not load the publish requests"
      empty={<EmptyState icon={<Rocket className="size-5" />} title="No publish request is waiting" description="Builders' requests to publish an app appear here, live." />}
    >
      {(items) => (
        <ul className="space-y-3">
          {items.map((r) => <PublishRequestCard key={r.id} request={r} readOnly={readOnly} />)}
        </ul>
      )}
    </QueryView>
  );
}

function PublishRequestCard({ request: r, readOnly }: { request: PublishRequest; readOnly: boolean }) {
  const queryClient = useQueryClient();
  const names = useGovernanceNames();
  const [showDiff, setShowDiff] = useState(false);
  const [feedback, setFeedback] = useState('');
  const decide = useMutation(decidePublishRequestMutation(queryClient));
  const blocked = r.checks.some((c) => c.name === 'secret-scan' && c.status === 'failed');

  return (
    <li>
      <Card className="p-4" data-testid="publish-request">
        <article aria-label={`Publish ${r.subdomain}`}>
          <div className="flex flex-wrap items-start justify-between gap-3">
            <div className="min-w-0">
              <p className="text-sm font-medium text-zinc-900">
                <span className="font-mono">{r.subdomain}</span> · {r.access === 'public' ? 'anyone' : 'everyone signed in'}
              </p>
              <p className="mt-1 text-xs text-zinc-500">
                asked by <span className="text-zinc-700">{names.user(r.ownerId)}</span>{r.trusted && <> <Badge tone="info">trusted</Badge></>} in{' '}
                <Link to="/workspaces/$workspaceId" params={{ workspaceId: r.workspaceId }} className="font-mono hover:underline">{r.workspaceId.slice(0, 8)}</Link>
                {' '}({names.blueprint(r.blueprintId)}) · <span title={formatDateTime(r.requestedAt)}>{timeAgo(r.requestedAt)}</span>
                {' '}· version <span className="font-mono">{r.version.slice(0, 10)}</span>
                {' '}· previous {r.baseVersion === 'empty' ? 'none (first publish)' : <span className="font-mono">{r.baseVersion.slice(0, 10)}</span>}
              </p>
              {r.note && <p className="mt-2 text-sm text-zinc-700">{r.note}</p>}
            </div>
            <PublishStateBadge request={r} />
          </div>
          <div className="mt-3"><PublishChecks checks={r.checks} /></div>
          <Button size="sm" variant="ghost" className="mt-2" onClick={() => setShowDiff((v) => !v)}>{showDiff ? 'Hide the changes' : 'Show the changes'}</Button>
          {showDiff && <PublishDiff id={r.id} />}
          {decide.isError && <ErrorBanner className="mt-3" title="The decision did not go through" error={decide.error} />}
          {!readOnly && (
            <div className="mt-3 space-y-2">
              <textarea aria-label="Feedback for the builder" className={textareaClass} value={feedback} onChange={(e) => setFeedback(e.target.value)} placeholder="Feedback (needed to reject)" maxLength={4000} />
              <div className="flex flex-wrap gap-2">
                <Button size="sm" variant="primary" icon={<Check className="size-4" aria-hidden />} disabled={blocked || decide.isPending}
                  title={blocked ? 'A secret was found: it cannot be approved' : undefined} onClick={() => decide.mutate({ id: r.id, decision: 'approve' })}>Approve</Button>
                <Button size="sm" variant="danger" icon={<X className="size-4" aria-hidden />} disabled={!feedback.trim() || decide.isPending}
                  onClick={() => decide.mutate({ id: r.id, decision: 'reject', feedback: feedback.trim() })}>Reject</Button>
              </div>
            </div>
          )}
        </article>
      </Card>
    </li>
  );
}
