import { useState, type FormEvent } from 'react';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { ListFilter, ScrollText, ShieldCheck, ShieldX, X } from 'lucide-react';
import type { AuditActor, AuditEntry, AuditVerifyResult } from '@paddock/protocol';
import { auditLogQuery, verifyAuditLog } from '../../api/audit';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { ErrorBanner } from '../../components/ErrorBanner';
import { controlClass } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { TBody, THead, Table, TableSkeleton, Td, Th } from '../../components/Table';
import { formatDateTime, timeAgo } from '../../components/formatTime';
import { cn } from '../../components/cn';

// Actions the portal records today; the filter also takes any other.
const KNOWN_ACTIONS = [
  'auth.login', 'auth.logout', 'auth.session.revoke',
  'user.create', 'user.update', 'user.deactivate', 'user.reactivate',
  'invite.create', 'invite.accept', 'invite.revoke',
  'token.create', 'token.delete',
  'blueprint.create', 'blueprint.update', 'blueprint.access.update', 'blueprint.secret.put', 'blueprint.secret.delete',
  'workspace.create', 'workspace.stop', 'workspace.terminal.open',
  'agent.enrollment_token.create', 'secrets.rewrap', 'secrets.rotate_master_key',
];

export function AuditLogPage() {
  const [draft, setDraft] = useState('');
  const [action, setAction] = useState('');
  const log = useInfiniteQuery(auditLogQuery(action));
  const verify = useMutation({ mutationFn: verifyAuditLog });

  // A failed "Load more" keeps the pages already shown (keepDataOnError below).
  const loadMoreError: unknown = log.error;

  const onFilter = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setAction(draft.trim());
  };

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every sign-in, change and access decision, newest first. Entries are hash-chained: editing or deleting one breaks the chain."
        actions={
          <Button
            variant="primary"
            icon={<ShieldCheck className="size-4" aria-hidden />}
            loading={verify.isPending}
            onClick={() => verify.mutate()}
          >
            Verify integrity
          </Button>
        }
      />

      <div aria-live="polite">
        {verify.isError && <ErrorBanner className="mb-6" title="Could not verify the audit log" error={verify.error} />}
        {verify.data && <VerifyResult result={verify.data} onDismiss={() => verify.reset()} />}
      </div>

      <form onSubmit={onFilter} className="mb-4 flex flex-wrap items-center gap-2" role="search">
        <div className="relative">
          <ListFilter className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-zinc-400" aria-hidden />
          <input
            list="audit-actions"
            aria-label="Filter by action"
            placeholder="Filter by action, e.g. auth.login"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            className={cn(controlClass, 'w-80 pl-8 font-mono text-[13px]')}
          />
          <datalist id="audit-actions">
            {KNOWN_ACTIONS.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </div>
        <Button type="submit">Apply</Button>
        {action && (
          <Button
            variant="ghost"
            icon={<X className="size-3.5" aria-hidden />}
            onClick={() => {
              setDraft('');
              setAction('');
            }}
          >
            Clear filter
          </Button>
        )}
      </form>

      <QueryView
        query={log}
        keepDataOnError
        loading={
          <Card>
            <TableSkeleton rows={6} label="Loading the audit log" />
          </Card>
        }
        errorTitle="Could not load the audit log"
        isEmpty={(data) => data.pages.every((p) => p.entries.length === 0)}
        empty={
          <EmptyState
            icon={<ScrollText className="size-5" />}
            title={action ? `No “${action}” entries` : 'Nothing recorded yet'}
            description={action ? 'Try another action, or clear the filter.' : undefined}
          />
        }
      >
        {(data) => {
          const entries = data.pages.flatMap((p) => p.entries);
          return (
            <>
              <Card className="overflow-hidden">
                <Table>
                  <THead>
                    <Th>When</Th>
                    <Th>Actor</Th>
                    <Th>Action</Th>
                    <Th className="hidden md:table-cell">Target</Th>
                    <Th>Outcome</Th>
                    <Th className="hidden lg:table-cell">Detail</Th>
                  </THead>
                  <TBody>
                    {entries.map((entry) => (
                      <AuditRow key={entry.id} entry={entry} />
                    ))}
                  </TBody>
                </Table>
              </Card>
              <div className="mt-4 flex items-center justify-between text-sm text-zinc-500">
                <span>
                  {entries.length} {entries.length === 1 ? 'entry' : 'entries'}
                </span>
                {log.hasNextPage ? (
                  <Button loading={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
                    Load more
                  </Button>
                ) : (
                  <span>That's the beginning of the log.</span>
                )}
              </div>
              {log.isFetchNextPageError && <ErrorBanner className="mt-4" title="Could not load more" error={loadMoreError} />}
            </>
          );
        }}
      </QueryView>
    </>
  );
}

/** What each part of Paddock that acts on its own is called on this page. */
const systemActorLabels: Record<string, string> = {
  reconciler: 'Reconciler', 'policy-sweeper': 'Policy sweeper', agent: 'Runtime agent', scim: 'SCIM (identity provider)',
  sso: 'Single sign-on', operator: 'Operator', bootstrap: 'First start', system: 'System',
};

function actorTitle(actor: AuditActor): string {
  switch (actor.kind) {
    case 'user': return actor.email;
    case 'system': return `system actor: ${actor.name}${actor.id ? ` (${actor.id})` : ''}`;
    case 'anonymous': return actor.email ? `not signed in, as ${actor.email}` : 'not signed in';
  }
}

/** A person by email; a system actor by its kind and name, never as if it were a person; a failed sign-in as not signed in. */
function ActorName({ actor }: { actor: AuditActor }) {
  switch (actor.kind) {
    case 'user': return <>{actor.email}</>;
    case 'system':
      return (
        <span data-testid="audit-system-actor">
          <Badge>System</Badge>{' '}
          <span className="text-zinc-600">{systemActorLabels[actor.name] ?? actor.name}{actor.id ? ` (${actor.id})` : ''}</span>
        </span>
      );
    case 'anonymous':
      return <span className="text-zinc-500">{actor.email ?? 'anonymous'} <span className="text-zinc-400">(not signed in)</span></span>;
  }
}

function AuditRow({ entry }: { entry: AuditEntry }) {
  const detail = Object.keys(entry.detail ?? {}).length ? JSON.stringify(entry.detail) : '';
  const target = [entry.targetType, entry.targetId].filter(Boolean).join(' ');
  return (
    <tr data-testid="audit-row" className="align-top hover:bg-zinc-50/70">
      <Td className="whitespace-nowrap text-zinc-500">
        <time dateTime={entry.at} title={formatDateTime(entry.at)}>
          {timeAgo(entry.at)}
        </time>
      </Td>
      <Td className="max-w-48 truncate text-zinc-900" title={actorTitle(entry.actor)}>
        <ActorName actor={entry.actor} />
      </Td>
      <Td className="font-mono text-[13px] whitespace-nowrap text-zinc-900">{entry.action}</Td>
      <Td className="hidden max-w-56 truncate text-zinc-500 md:table-cell" title={target || undefined}>
        {target || '—'}
      </Td>
      <Td>
        {entry.outcome === 'success' ? <Badge tone="success">Success</Badge>
          : entry.outcome === 'attempt' ? <Badge title="Recorded before the change was made; the next entry has its outcome">Attempt</Badge>
            : <Badge tone="danger">Failure</Badge>}
      </Td>
      <Td className="hidden max-w-sm lg:table-cell">
        {detail ? (
          <code className="block truncate font-mono text-xs text-zinc-500" title={detail}>
            {detail}
          </code>
        ) : (
          <span className="text-zinc-300">—</span>
        )}
      </Td>
    </tr>
  );
}

function VerifyResult({ result, onDismiss }: { result: AuditVerifyResult; onDismiss: () => void }) {
  const ok = result.ok;
  return (
    <div
      role={ok ? 'status' : 'alert'}
      data-testid="audit-verify-result"
      className={cn(
        'mb-6 flex items-start gap-4 rounded-lg border px-5 py-4',
        ok ? 'border-emerald-200 bg-emerald-50 text-emerald-900' : 'border-red-300 bg-red-50 text-red-900',
      )}
    >
      <div className={cn('flex size-10 shrink-0 items-center justify-center rounded-full', ok ? 'bg-emerald-100' : 'bg-red-100')}>
        {ok ? <ShieldCheck className="size-5 text-emerald-700" aria-hidden /> : <ShieldX className="size-5 text-red-700" aria-hidden />}
      </div>
      <div className="min-w-0 flex-1">
        <p className="text-base font-semibold">{ok ? 'The audit log is intact' : 'The audit log has been tampered with'}</p>
        <p className="mt-0.5 text-sm opacity-90">
          {result.ok
            ? `All ${result.checked.toLocaleString()} entries checked: the hash chain is unbroken.`
            : `Checked ${result.checked.toLocaleString()} entries. The chain breaks at entry ${result.firstBadId}: ${result.reason}.`}
        </p>
      </div>
      <button type="button" onClick={onDismiss} aria-label="Dismiss" className="rounded-md p-1 opacity-60 hover:opacity-100">
        <X className="size-4" aria-hidden />
      </button>
    </div>
  );
}
