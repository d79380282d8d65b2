import { useState, type FormEvent } from 'react';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { Download, ListFilter, ScrollText, ShieldCheck, ShieldX, X } from 'lucide-react';
import type { AuditActor, AuditEntry, AuditFilter, AuditVerifyResult } from '@paddock/protocol';
import { auditExportUrl, auditLogQuery, verifyAuditLog } from '../../api/audit';
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

/** Suggestions for the action filter (any action or family `x.*` may be typed): the families, then the common actions. */
const KNOWN_ACTIONS = [
  'auth.*', 'user.*', 'workspace.*', 'blueprint.*', 'publish.*', 'app.*', 'governance.*', 'branding.*', 'secrets.*', 'scim.*',
  'auth.login', 'auth.logout', 'auth.session.revoke', 'auth.password.change', 'auth.settings.update', 'sso.update',
  'user.create', 'user.update', 'user.role', 'user.deactivate', 'user.reactivate', 'user.password.reset',
  'invite.create', 'invite.accept', 'invite.revoke',
  'token.create', 'token.delete',
  'blueprint.create', 'blueprint.update', 'blueprint.duplicate', 'blueprint.delete', 'blueprint.access.update',
  'blueprint.secret.put', 'blueprint.secret.delete', 'blueprint.llm_key.put', 'blueprint.resource_policy.update',
  'workspace.create', 'workspace.rename', 'workspace.stop', 'workspace.terminal.open', 'workspace.file.write', 'connection.end',
  'publish.request', 'publish.approve', 'app.live', 'app.rollback', 'app.unpublish',
  'governance.policy.update', 'governance.override.update', 'resource_policy.update', 'budgets.update', 'model_prices.update',
  'branding.update', 'branding.asset.upload', 'ip_allowlist.reset', 'audit.export', 'backup.create', 'backup.restore',
  'agent.enrollment_token.create', 'secrets.rewrap', 'secrets.rotate_master_key',
];

export function AuditLogPage() {
  const [draft, setDraft] = useState<FilterDraft>(EMPTY_DRAFT);
  const [filter, setFilter] = useState<AuditFilter>({});
  const log = useInfiniteQuery(auditLogQuery(filter));
  const verify = useMutation({ mutationFn: verifyAuditLog });
  const filtered = Object.keys(filter).length > 0;

  // A failed "Load more" keeps the pages already shown (keepDataOnError below).
  const loadMoreError: unknown = log.error;

  const onFilter = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setFilter(filterOf(draft));
  };

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every sign-in, change and access decision, newest first. Entries are hash-chained: editing or deleting one breaks the chain."
        actions={
          <>
            <a href={auditExportUrl(filter, 'csv')} download className={exportLinkClass} data-testid="audit-export-csv">
              <Download className="size-4" aria-hidden />
              Export CSV
            </a>
            <a href={auditExportUrl(filter, 'json')} download className={exportLinkClass} data-testid="audit-export-json">
              <Download className="size-4" aria-hidden />
              JSON
            </a>
            <Button
              variant="primary"
              icon={<ShieldCheck className="size-4" aria-hidden />}
              loading={verify.isPending}
              onClick={() => verify.mutate()}
            >
              Verify integrity
            </Button>
          </>
        }
      />

      <div aria-live="polite">
        {verify.isError && <ErrorBanner className="mb-6" title="Could not verify the audit log" error={verify.error} />}
        {verify.data && <VerifyResult result={verify.data} onDismiss={() => verify.reset()} />}
      </div>

      <form onSubmit={onFilter} className="mb-4 flex flex-wrap items-end gap-2" role="search" aria-label="Filter the audit log">
        <FilterInput label="Who" placeholder="Name or email" value={draft.actor} onChange={(actor) => setDraft({ ...draft, actor })} />
        <div className="relative">
          <ListFilter className="pointer-events-none absolute bottom-2.5 left-2.5 size-4 text-zinc-400" aria-hidden />
          <label className="block">
            <span className="mb-1 block text-xs font-medium text-zinc-500">Action</span>
            <input
              list="audit-actions"
              aria-label="Filter by action"
              placeholder="e.g. auth.login or workspace.*"
              value={draft.action}
              onChange={(e) => setDraft({ ...draft, action: e.target.value })}
              className={cn(controlClass, 'w-64 pl-8 font-mono text-[13px]')}
            />
          </label>
          <datalist id="audit-actions">
            {KNOWN_ACTIONS.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </div>
        <FilterInput label="Target" placeholder="Workspace, blueprint or person" value={draft.target} onChange={(target) => setDraft({ ...draft, target })} />
        <label className="block">
          <span className="mb-1 block text-xs font-medium text-zinc-500">From</span>
          <input type="datetime-local" aria-label="From" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} className={cn(controlClass, 'w-52')} />
        </label>
        <label className="block">
          <span className="mb-1 block text-xs font-medium text-zinc-500">To</span>
          <input type="datetime-local" aria-label="To" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} className={cn(controlClass, 'w-52')} />
        </label>
        <Button type="submit">Apply</Button>
        {filtered && (
          <Button
            variant="ghost"
            icon={<X className="size-3.5" aria-hidden />}
            onClick={() => {
              setDraft(EMPTY_DRAFT);
              setFilter({});
            }}
          >
            Clear filters
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
            title={filtered ? 'No entries match these filters' : 'Nothing recorded yet'}
            description={filtered ? 'Try other filters, or clear them.' : undefined}
          />
        }
      >
        {(data) => {
          const entries = data.pages.flatMap((p) => p.entries);
          const names = Object.assign({}, ...data.pages.map((p) => p.names ?? {})) as Record<string, string>;
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
                      <AuditRow key={entry.id} entry={entry} names={names} />
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

interface FilterDraft { actor: string; action: string; target: string; from: string; to: string }
const EMPTY_DRAFT: FilterDraft = { actor: '', action: '', target: '', from: '', to: '' };

/** The filters to ask for: the words trimmed, the times (the browser's local ones) as ISO instants. */
function filterOf(d: FilterDraft): AuditFilter {
  const f: AuditFilter = {};
  if (d.actor.trim()) f.actor = d.actor.trim();
  if (d.action.trim()) f.action = d.action.trim();
  if (d.target.trim()) f.target = d.target.trim();
  if (d.from) f.from = new Date(d.from).toISOString();
  if (d.to) f.to = new Date(d.to).toISOString();
  return f;
}

const exportLinkClass =
  'inline-flex h-9 items-center gap-2 rounded-md border border-zinc-300 bg-white px-3 text-sm font-medium text-zinc-900 shadow-xs hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent-ring';

function FilterInput({ label, placeholder, value, onChange }: { label: string; placeholder: string; value: string; onChange: (value: string) => void }) {
  return (
    <label className="block">
      <span className="mb-1 block text-xs font-medium text-zinc-500">{label}</span>
      <input aria-label={`Filter by ${label.toLowerCase()}`} placeholder={placeholder} value={value} maxLength={254} onChange={(e) => onChange(e.target.value)} className={cn(controlClass, 'w-48')} />
    </label>
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
function ActorName({ actor, names }: { actor: AuditActor; names: Record<string, string> }) {
  switch (actor.kind) {
    case 'user': {
      const name = names[actor.id];
      return name && name !== actor.email
        ? <><span className="block truncate">{name}</span><span className="block truncate text-xs text-zinc-500">{actor.email}</span></>
        : <>{actor.email}</>;
    }
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

function AuditRow({ entry, names }: { entry: AuditEntry; names: Record<string, string> }) {
  const detail = Object.keys(entry.detail ?? {}).length ? JSON.stringify(entry.detail) : '';
  const targetName = entry.targetId ? names[entry.targetId] : undefined;
  const target = [entry.targetType, entry.targetId].filter(Boolean).join(' ');
  return (
    <tr data-testid="audit-row" className="align-top hover:bg-zinc-50/70">
      <Td className="whitespace-nowrap text-zinc-500">
        <time dateTime={entry.at} title={formatDateTime(entry.at)}>
          {timeAgo(entry.at)}
        </time>
      </Td>
      <Td className="max-w-48 truncate text-zinc-900" title={actorTitle(entry.actor)}>
        <ActorName actor={entry.actor} names={names} />
      </Td>
      <Td className="font-mono text-[13px] whitespace-nowrap text-zinc-900">{entry.action}</Td>
      <Td className="hidden max-w-56 truncate text-zinc-500 md:table-cell" title={target || undefined}>
        {targetName ? (
          <><span className="text-zinc-400">{entry.targetType}</span> <span className="text-zinc-900" data-testid="audit-target-name">{targetName}</span></>
        ) : (target || '—')}
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
