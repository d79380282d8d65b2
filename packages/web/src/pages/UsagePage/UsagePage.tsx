import { lazy, Suspense, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Download, Gauge } from 'lucide-react';
import type { ComputeSummaryRow, UsageGroup, UsageSummaryRow } from '@paddock/protocol';
import { computeSummaryQuery, usageSummaryQuery, type Period } from '../../api/usage';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { PageContainer } from '../../components/PageContainer';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { Section } from '../../components/Section';
import { Skeleton } from '../../components/Skeleton';
import { TBody, THead, Table, TableEmpty, TableSkeleton, Td, Th } from '../../components/Table';
import { selectClass } from '../../components/Field';
import { canManage, canSeeAdmin, useCurrentUser } from '../../modules/auth/permissions';
import { BudgetsSection } from '../../modules/usage/BudgetsSection';
import { downloadCsv, toCsv } from '../../modules/usage/csv';
import { money, tokens } from '../../modules/usage/format';

// The chart library is the largest part of this page: it loads with it, not with the app.
const SpendChart = lazy(() => import('../../modules/usage/SpendChart').then((m) => ({ default: m.SpendChart })));

const PERIODS = [
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
  { days: 90, label: 'Last 90 days' },
] as const;

/** [now − days, now), fixed when chosen: a query key that moved with every render would never settle. */
function periodOf(days: number): Period {
  const to = new Date();
  return { from: new Date(to.getTime() - days * 24 * 60 * 60_000).toISOString(), to: to.toISOString() };
}

const USAGE_COLUMNS: Array<keyof UsageSummaryRow & string> = [
  'key', 'label', 'requests', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'costUsd', 'savedUsd', 'savedShare', 'unpricedRequests',
];

/**
 * Usage & cost: model tokens, spend and cache savings over time and per user,
 * blueprint, workspace and model, and compute hours. Admins and auditors see the
 * organization; a builder the same page over their own work (the API scopes it).
 */
export function UsagePage() {
  const me = useCurrentUser();
  const everyone = canSeeAdmin(me?.role);
  const [days, setDays] = useState<number>(30);
  const [period, setPeriod] = useState(() => periodOf(30));
  const byDay = useQuery(usageSummaryQuery('day', period));
  const byModel = useQuery(usageSummaryQuery('model', period));

  return (
    <PageContainer>
      <PageHeader
        title="Usage & cost"
        description={everyone
          ? 'What the AI and the workspaces cost across the organization: tokens, spend, what the prompt cache saved, and running hours.'
          : 'What your AI use and your workspaces cost: tokens, spend, what the prompt cache saved, and running hours.'}
        actions={
          <label className="flex items-center gap-2 text-sm text-zinc-600">
            <span className="sr-only">Period</span>
            <select
              aria-label="Period"
              className={selectClass}
              value={days}
              onChange={(e) => {
                const n = Number(e.target.value);
                setDays(n);
                setPeriod(periodOf(n));
              }}
            >
              {PERIODS.map((p) => <option key={p.days} value={p.days}>{p.label}</option>)}
            </select>
          </label>
        }
      />
      <div className="space-y-8">
        <Totals rows={byModel.data} loading={byModel.isPending} />
        <Section title="Spend over time" description="Model spend per day (UTC), and what the prompt cache saved.">
          <QueryView
            query={byDay}
            loading={<Skeleton className="h-64 w-full" />}
            errorTitle="Could not load usage over time"
            empty={<EmptyUsage />}
          >
            {(rows) => (
              <Suspense fallback={<Skeleton className="h-64 w-full" />}>
                <SpendChart rows={rows} period={period} />
              </Suspense>
            )}
          </QueryView>
        </Section>
        <div className="grid gap-8 lg:grid-cols-2">
          {everyone && <UsageTable title="Top users" groupBy="user" period={period} nameHeader="User" />}
          <UsageTable title={everyone ? 'Top blueprints' : 'By blueprint'} groupBy="blueprint" period={period} nameHeader="Blueprint" />
          <UsageTable title={everyone ? 'Top workspaces' : 'By workspace'} groupBy="workspace" period={period} nameHeader="Workspace" />
          <UsageTable title="By model" groupBy="model" period={period} nameHeader="Model" />
        </div>
        <BudgetsSection everyone={everyone} canManage={canManage(me?.role)} />
        <ComputeTable period={period} everyone={everyone} />
      </div>
    </PageContainer>
  );
}

function EmptyUsage() {
  return (
    <div className="flex flex-col items-center px-6 py-12 text-center">
      <Gauge className="size-5 text-zinc-400" aria-hidden />
      <p className="mt-2 text-sm font-medium text-zinc-900">No model calls in this period</p>
      <p className="mt-1 text-sm text-zinc-500">Calls made by the AI in workspaces show here as they happen.</p>
    </div>
  );
}

/** The period's totals, summed over the per-model rows (every call is in exactly one). */
function Totals({ rows, loading }: { rows: UsageSummaryRow[] | undefined; loading: boolean }) {
  const sum = (f: (r: UsageSummaryRow) => number | null) => (rows ?? []).reduce((n, r) => n + (f(r) ?? 0), 0);
  const priced = (rows ?? []).some((r) => r.costUsd !== null);
  const cost = sum((r) => r.costUsd);
  const saved = sum((r) => r.savedUsd);
  const unpriced = sum((r) => r.unpricedRequests);
  const cards = [
    { label: 'Spend', value: priced ? money(cost) : 'No price', note: unpriced ? `${unpriced} calls of models with no price not included` : undefined },
    { label: 'Cache savings', value: priced ? money(saved) : '—', note: priced && cost + saved > 0 ? `${Math.round((saved / (cost + saved)) * 100)} % of what the calls would have cost` : undefined },
    { label: 'Tokens', value: tokens(sum((r) => r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens)), note: `${sum((r) => r.requests)} model calls` },
  ];
  return (
    <div className="grid gap-4 sm:grid-cols-3" data-testid="usage-totals">
      {cards.map((c) => (
        <Card key={c.label} className="p-5">
          <p className="text-sm text-zinc-500">{c.label}</p>
          {loading ? <Skeleton className="mt-2 h-7 w-24" /> : <p className="mt-1 text-2xl font-semibold tracking-tight text-zinc-900">{c.value}</p>}
          {!loading && c.note && <p className="mt-1 text-xs text-zinc-500">{c.note}</p>}
        </Card>
      ))}
    </div>
  );
}

function CsvButton({ name, onClick }: { name: string; onClick: () => void }) {
  return (
    <Button size="sm" icon={<Download className="size-3.5" aria-hidden />} onClick={onClick} aria-label={`Export ${name} as CSV`}>
      CSV
    </Button>
  );
}

function UsageTable({ title, groupBy, period, nameHeader }: { title: string; groupBy: UsageGroup; period: Period; nameHeader: string }) {
  const query = useQuery(usageSummaryQuery(groupBy, period));
  const rows = query.data;
  return (
    <Section
      flush
      title={title}
      actions={rows && rows.length > 0 && (
        <CsvButton name={title.toLowerCase()} onClick={() => downloadCsv(`paddock-usage-by-${groupBy}-${period.from.slice(0, 10)}.csv`, toCsv(rows, USAGE_COLUMNS))} />
      )}
    >
      <QueryView
        query={query}
        loading={<TableSkeleton rows={3} label={`Loading ${title.toLowerCase()}`} />}
        errorTitle={`Could not load ${title.toLowerCase()}`}
        errorClassName="m-4"
        empty={<TableEmpty icon={<Gauge className="size-5 text-zinc-400" aria-hidden />}>No model calls in this period.</TableEmpty>}
      >
        {(list) => (
          <Table>
            <THead>
              <Th>{nameHeader}</Th>
              <Th className="text-right">Calls</Th>
              <Th className="text-right">Tokens</Th>
              <Th className="text-right">Spend</Th>
              <Th className="text-right">Saved</Th>
            </THead>
            <TBody>
              {list.slice(0, 10).map((r) => (
                <tr key={r.key} data-testid={`usage-row-${groupBy}`}>
                  <Td className="max-w-56 truncate font-medium text-zinc-900" title={r.label ?? r.key}>{r.label ?? <span className="text-zinc-400">Deleted</span>}</Td>
                  <Td className="text-right tabular-nums text-zinc-600">{r.requests}</Td>
                  <Td className="text-right tabular-nums text-zinc-600">{tokens(r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens)}</Td>
                  <Td className="text-right tabular-nums text-zinc-900">{r.costUsd === null ? <span className="text-zinc-400">No price</span> : money(r.costUsd)}</Td>
                  <Td className="text-right tabular-nums text-emerald-700">
                    {r.savedUsd === null ? '—' : `${money(r.savedUsd)}${r.savedShare !== null ? ` · ${Math.round(r.savedShare * 100)} %` : ''}`}
                  </Td>
                </tr>
              ))}
            </TBody>
          </Table>
        )}
      </QueryView>
    </Section>
  );
}

const COMPUTE_COLUMNS: Array<keyof ComputeSummaryRow & string> = ['key', 'label', 'hours', 'costUsd', 'unpricedHours', 'workspaces'];

function ComputeTable({ period, everyone }: { period: Period; everyone: boolean }) {
  const [groupBy, setGroupBy] = useState<'blueprint' | 'user'>('blueprint');
  const query = useQuery(computeSummaryQuery(groupBy, period));
  const rows = query.data;
  return (
    <Section
      flush
      title="Compute"
      description="Hours workspaces ran, at each blueprint's hourly rate."
      actions={
        <>
          {everyone && (
            <select aria-label="Compute per" className={selectClass} value={groupBy} onChange={(e) => setGroupBy(e.target.value as 'blueprint' | 'user')}>
              <option value="blueprint">Per blueprint</option>
              <option value="user">Per user</option>
            </select>
          )}
          {rows && rows.length > 0 && (
            <CsvButton name="compute" onClick={() => downloadCsv(`paddock-compute-by-${groupBy}-${period.from.slice(0, 10)}.csv`, toCsv(rows, COMPUTE_COLUMNS))} />
          )}
        </>
      }
    >
      <QueryView
        query={query}
        loading={<TableSkeleton rows={3} label="Loading compute" />}
        errorTitle="Could not load compute"
        errorClassName="m-4"
        empty={<TableEmpty icon={<Gauge className="size-5 text-zinc-400" aria-hidden />}>No workspace ran in this period.</TableEmpty>}
      >
        {(list) => (
          <Table>
            <THead>
              <Th>{groupBy === 'user' ? 'User' : 'Blueprint'}</Th>
              <Th className="text-right">Workspaces</Th>
              <Th className="text-right">Hours</Th>
              <Th className="text-right">Cost</Th>
            </THead>
            <TBody>
              {list.map((r) => (
                <tr key={r.key} data-testid="compute-row">
                  <Td className="max-w-56 truncate font-medium text-zinc-900">{r.label ?? <span className="text-zinc-400">Deleted</span>}</Td>
                  <Td className="text-right tabular-nums text-zinc-600">{r.workspaces}</Td>
                  <Td className="text-right tabular-nums text-zinc-600">{r.hours.toFixed(1)}</Td>
                  <Td className="text-right tabular-nums text-zinc-900">
                    {r.costUsd === null ? <span className="text-zinc-400">No rate</span> : money(r.costUsd)}
                    {r.costUsd !== null && r.unpricedHours > 0 && <span className="block text-xs text-zinc-500">{r.unpricedHours.toFixed(1)} h without a rate</span>}
                  </Td>
                </tr>
              ))}
            </TBody>
          </Table>
        )}
      </QueryView>
    </Section>
  );
}
