import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Plus, Trash2, Wallet } from 'lucide-react';
import type { Budget, BudgetAction, BudgetScope, BudgetStatus } from '@paddock/protocol';
import { blueprintsQuery } from '../../api/blueprints';
import { budgetOf, budgetsQuery, myBudgetsQuery, putBudgetsMutation } from '../../api/usage';
import { groupsQuery, usersQuery } from '../../api/users';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { IconButton } from '../../components/IconButton';
import { inputClass, selectClass } from '../../components/Field';
import { QueryView } from '../../components/QueryView';
import { Section } from '../../components/Section';
import { TBody, THead, Table, TableEmpty, TableSkeleton, Td, Th } from '../../components/Table';
import { money, tokens } from './format';

type Row = Omit<BudgetStatus, 'refusals'> & { refusals?: number };

const inUnit = (b: Row, value: number) => (b.limitUsd !== undefined ? money(value) : `${tokens(value)} tokens`);

function status(b: Row): { tone: 'danger' | 'warning' | 'success'; text: string } {
  if (b.blocking) return { tone: 'danger', text: 'Used up: AI calls refused' };
  if (b.usedShare >= 1) return { tone: 'warning', text: 'Used up: warned' };
  if (b.usedShare >= 0.8) return { tone: 'warning', text: `${Math.floor(b.usedShare * 100)} %: warned` };
  return { tone: 'success', text: 'Within budget' };
}

/**
 * Monthly budgets, as they stand: admins and auditors see every one (admins add and
 * remove them); anyone else the budgets their own AI calls count against, with what is left.
 */
export function BudgetsSection({ everyone, canManage }: { everyone: boolean; canManage: boolean }) {
  const all = useQuery({ ...budgetsQuery(), enabled: everyone });
  const mine = useQuery({ ...myBudgetsQuery(), enabled: !everyone });
  const query = everyone ? all : { ...mine, data: mine.data?.budgets };
  const queryClient = useQueryClient();
  const put = useMutation(putBudgetsMutation(queryClient));
  const save = (list: Budget[]) => put.mutate(list);

  return (
    <Section
      flush
      title="Budgets"
      description={everyone
        ? 'Monthly limits per user, group or blueprint, in money or tokens. Alerts at 80 % and 100 %; a block budget stops AI calls once used up.'
        : 'The monthly budgets your AI calls count against, and what is left of them.'}
    >
      {put.isError && <ErrorBanner className="m-4" title="Could not save the budgets" error={put.error} />}
      <QueryView
        query={query}
        loading={<TableSkeleton rows={2} label="Loading budgets" />}
        errorTitle="Could not load budgets"
        errorClassName="m-4"
        empty={<TableEmpty icon={<Wallet className="size-5 text-zinc-400" aria-hidden />}>{everyone ? 'No budgets yet.' : 'No budget applies to you.'}</TableEmpty>}
      >
        {(rows: Row[]) => (
          <Table>
            <THead>
              <Th>For</Th>
              <Th>Limit</Th>
              <Th className="text-right">Spent</Th>
              <Th className="text-right">Left</Th>
              <Th>Status</Th>
              {everyone && <Th className="text-right">Refused</Th>}
              {canManage && <Th><span className="sr-only">Actions</span></Th>}
            </THead>
            <TBody>
              {rows.map((b) => {
                const s = status(b);
                return (
                  <tr key={b.id} data-testid="budget-row">
                    <Td>
                      <span className="text-xs text-zinc-500 capitalize">{b.scope}</span>{' '}
                      <span className="font-medium text-zinc-900">{b.targetLabel ?? <span className="text-zinc-400">Deleted</span>}</span>
                    </Td>
                    <Td className="whitespace-nowrap text-zinc-600">
                      {inUnit(b, b.limitUsd ?? b.limitTokens ?? 0)} a month · {b.action === 'block' ? 'Block' : 'Alert'}
                    </Td>
                    <Td className="text-right tabular-nums text-zinc-900">{inUnit(b, b.limitUsd !== undefined ? b.spentUsd : b.spentTokens)}</Td>
                    <Td className="text-right tabular-nums text-zinc-600">{inUnit(b, b.remaining)}</Td>
                    <Td>
                      <div className="flex items-center gap-2">
                        <div className="h-1.5 w-16 overflow-hidden rounded-full bg-zinc-100" aria-hidden>
                          <div className={s.tone === 'success' ? 'h-full bg-emerald-500' : s.tone === 'warning' ? 'h-full bg-amber-500' : 'h-full bg-red-500'} style={{ width: `${Math.min(100, b.usedShare * 100)}%` }} />
                        </div>
                        <Badge tone={s.tone}>{s.text}</Badge>
                      </div>
                    </Td>
                    {everyone && <Td className="text-right tabular-nums text-zinc-600">{b.refusals ?? 0}</Td>}
                    {canManage && (
                      <Td className="text-right">
                        <IconButton
                          label={`Remove the budget for ${b.targetLabel ?? b.targetId}`}
                          disabled={put.isPending}
                          onClick={() => save((all.data ?? []).filter((o) => o.id !== b.id).map(budgetOf))}
                        >
                          <Trash2 className="size-3.5 text-red-600" aria-hidden />
                        </IconButton>
                      </Td>
                    )}
                  </tr>
                );
              })}
            </TBody>
          </Table>
        )}
      </QueryView>
      {canManage && all.data && <AddBudget saving={put.isPending} onAdd={(b) => save([...all.data.map(budgetOf), b])} />}
    </Section>
  );
}

/** A new budget: whom it is for, its limit in dollars or tokens, and whether it blocks. */
function AddBudget({ saving, onAdd }: { saving: boolean; onAdd: (b: Budget) => void }) {
  const [scope, setScope] = useState<BudgetScope>('user');
  const [targetId, setTargetId] = useState('');
  const [unit, setUnit] = useState<'usd' | 'tokens'>('usd');
  const [amount, setAmount] = useState('');
  const [action, setAction] = useState<BudgetAction>('alert');
  const users = useQuery({ ...usersQuery(), enabled: scope === 'user' });
  const groups = useQuery({ ...groupsQuery(), enabled: scope === 'group' });
  const blueprints = useQuery({ ...blueprintsQuery(), enabled: scope === 'blueprint' });
  const targets = scope === 'user'
    ? (users.data ?? []).filter((u) => u.active).map((u) => ({ id: u.id, label: u.email }))
    : scope === 'group'
      ? (groups.data ?? []).map((g) => ({ id: g.id, label: `${g.displayName} (${g.members})` }))
      : (blueprints.data ?? []).map((b) => ({ id: b.id, label: b.name }));
  const limit = Number(amount);
  const valid = targetId !== '' && amount.trim() !== '' && Number.isFinite(limit) && limit > 0 && (unit === 'usd' || Number.isInteger(limit));

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!valid) return;
    onAdd({ scope, targetId, period: 'month', action, ...(unit === 'usd' ? { limitUsd: limit } : { limitTokens: limit }) });
    setAmount('');
  };

  return (
    <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3 border-t border-zinc-200 p-4" aria-label="Add a budget" noValidate>
      <label className="space-y-1 text-sm text-zinc-700">
        <span className="block font-medium">For</span>
        <select className={selectClass} value={scope} onChange={(e) => { setScope(e.target.value as BudgetScope); setTargetId(''); }} aria-label="Budget for">
          <option value="user">A user</option>
          <option value="group">A group</option>
          <option value="blueprint">A blueprint</option>
        </select>
      </label>
      <label className="min-w-48 flex-1 space-y-1 text-sm text-zinc-700">
        <span className="block font-medium">Who</span>
        <select className={selectClass} value={targetId} onChange={(e) => setTargetId(e.target.value)} aria-label="Budget target">
          <option value="">{targets.length ? 'Choose…' : scope === 'group' ? 'No groups (they come from SCIM or SSO)' : 'Loading…'}</option>
          {targets.map((t) => <option key={t.id} value={t.id}>{t.label}</option>)}
        </select>
      </label>
      <label className="w-32 space-y-1 text-sm text-zinc-700">
        <span className="block font-medium">Monthly limit</span>
        <input className={inputClass} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} aria-label="Monthly limit" placeholder={unit === 'usd' ? '20' : '1000000'} />
      </label>
      <label className="space-y-1 text-sm text-zinc-700">
        <span className="block font-medium">In</span>
        <select className={selectClass} value={unit} onChange={(e) => setUnit(e.target.value as 'usd' | 'tokens')} aria-label="Limit in">
          <option value="usd">US dollars</option>
          <option value="tokens">Tokens</option>
        </select>
      </label>
      <label className="space-y-1 text-sm text-zinc-700">
        <span className="block font-medium">When used up</span>
        <select className={selectClass} value={action} onChange={(e) => setAction(e.target.value as BudgetAction)} aria-label="When used up">
          <option value="alert">Warn only</option>
          <option value="block">Stop AI calls</option>
        </select>
      </label>
      <Button type="submit" variant="primary" icon={<Plus className="size-3.5" aria-hidden />} loading={saving} disabled={!valid}>
        Add budget
      </Button>
    </form>
  );
}
