import type { Budget, BudgetScope } from '@paddock/protocol';
import type { UserActor } from '../auth/actor.js';
import type { AuditLog } from '../audit/auditLog.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { InputError } from '../errors.js';
import { newId } from '../ids.js';

export type StoredBudget = Budget & { id: string };

/** A calendar month in UTC, "2026-12", and the instants it spans: [from, to). */
export interface BudgetMonth { month: string; from: Date; to: Date }

export function monthOf(now: Date): BudgetMonth {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { month: from.toISOString().slice(0, 7), from, to };
}

/** What a budget did this month: when each alert was raised, how many calls it refused. */
export interface BudgetMonthRecord { alerted80: Date | null; alerted100: Date | null; refusals: number }

const targetTables = { user: 'users', group: 'groups', blueprint: 'blueprints' } as const satisfies Record<BudgetScope, string>;

/**
 * The budget list (migration 0026) and what each budget did per month. The list is
 * replaced whole, as the model price table is: checked first (every id a budget of
 * the list before, every target an existing user, group or blueprint), then written
 * in one transaction with its audit record, so a bad list changes nothing.
 */
export class Budgets {
  constructor(private readonly db: Database, private readonly clock: Clock, private readonly audit: AuditLog) {}

  async list(): Promise<StoredBudget[]> {
    const rows = await this.db.selectFrom('budgets').selectAll().orderBy('position').execute();
    return rows.map((r) => ({
      id: r.id, scope: r.scope, targetId: r.target_id, period: r.period, action: r.action,
      ...(r.limit_usd !== null ? { limitUsd: Number(r.limit_usd) } : {}),
      ...(r.limit_tokens !== null ? { limitTokens: Number(r.limit_tokens) } : {}),
    }));
  }

  async replace(items: readonly Budget[], by: UserActor): Promise<StoredBudget[]> {
    const before = new Map((await this.list()).map((b) => [b.id, b]));
    const unknownIds = items.flatMap((b) => (b.id && !before.has(b.id) ? [b.id] : []));
    if (unknownIds.length > 0) throw new InputError(`no budget has the id ${unknownIds.join(', ')}; leave id out for a new budget`);
    await this.checkTargets(items);
    const now = this.clock.now();
    const { month } = monthOf(now);
    const next = items.map((b) => ({ ...b, id: b.id ?? newId() }));
    const kept = new Set(next.map((b) => b.id));
    await this.db.transaction().execute(async (tx) => {
      const removed = [...before.keys()].filter((id) => !kept.has(id));
      if (removed.length > 0) await tx.deleteFrom('budgets').where('id', 'in', removed).execute();
      const changed: string[] = [];
      for (const [position, b] of next.entries()) {
        const columns = {
          position, scope: b.scope, target_id: b.targetId, period: b.period, action: b.action,
          limit_usd: b.limitUsd ?? null, limit_tokens: b.limitTokens ?? null, updated_at: now,
        };
        const old = before.get(b.id);
        if (!old) {
          await tx.insertInto('budgets').values({ id: b.id, ...columns, created_at: now }).execute();
        } else {
          if (!sameBudget(old, b)) changed.push(b.id);
          await tx.updateTable('budgets').set(columns).where('id', '=', b.id).execute();
        }
      }
      // A changed limit or target is a new promise: this month's alerts are raised again against it.
      if (changed.length > 0) {
        await tx.updateTable('budget_months').set({ alerted_80_at: null, alerted_100_at: null })
          .where('budget_id', 'in', changed).where('month', '=', month).execute();
      }
      await this.audit.append({
        actor: by, action: 'budgets.update', targetType: 'setting', targetId: 'budgets', outcome: 'success',
        detail: {
          budgets: next.map((b) => ({ id: b.id, scope: b.scope, targetId: b.targetId, action: b.action, ...(b.limitUsd !== undefined ? { limitUsd: b.limitUsd } : { limitTokens: b.limitTokens }) })),
          added: next.filter((b) => !before.has(b.id)).map((b) => b.id), changed, removed,
        },
      }, tx);
    });
    return this.list();
  }

  /** Every budget's record for the month (none yet: nothing raised, nothing refused). */
  async months(month: string): Promise<Map<string, BudgetMonthRecord>> {
    const rows = await this.db.selectFrom('budget_months').selectAll().where('month', '=', month).execute();
    return new Map(rows.map((r) => [r.budget_id, { alerted80: r.alerted_80_at, alerted100: r.alerted_100_at, refusals: Number(r.refusals) }]));
  }

  /**
   * Marks a threshold's alert raised for the month; true only for the one caller that
   * marked it (set where still null), so a restart or a second portal never raises it twice.
   */
  async markAlerted(budgetId: string, month: string, threshold: 80 | 100): Promise<boolean> {
    const column = threshold === 80 ? 'alerted_80_at' : 'alerted_100_at';
    await this.db.insertInto('budget_months').values({ budget_id: budgetId, month }).onConflict((oc) => oc.doNothing()).execute();
    const marked = await this.db.updateTable('budget_months').set({ [column]: this.clock.now() })
      .where('budget_id', '=', budgetId).where('month', '=', month).where(column, 'is', null)
      .returning('budget_id').executeTakeFirst();
    return marked !== undefined;
  }

  /** Counts a refused model call against each budget that refused it. */
  async countRefusal(budgetIds: readonly string[], month: string): Promise<void> {
    if (budgetIds.length === 0) return;
    await this.db.insertInto('budget_months').values(budgetIds.map((id) => ({ budget_id: id, month, refusals: 1 })))
      .onConflict((oc) => oc.columns(['budget_id', 'month']).doUpdateSet((eb) => ({ refusals: eb('budget_months.refusals', '+', 1) })))
      .execute();
  }

  /** Every budget names a user, group or blueprint that exists: all missing ones are named at once. */
  private async checkTargets(items: readonly Budget[]): Promise<void> {
    const missing: string[] = [];
    for (const scope of Object.keys(targetTables) as BudgetScope[]) {
      const wanted = [...new Set(items.filter((b) => b.scope === scope).map((b) => b.targetId))];
      if (wanted.length === 0) continue;
      const found = new Set((await this.db.selectFrom(targetTables[scope]).select('id').where('id', 'in', wanted).execute()).map((r) => r.id));
      missing.push(...wanted.filter((id) => !found.has(id)).map((id) => `${scope} ${id}`));
    }
    if (missing.length > 0) throw new InputError(`a budget names what does not exist: ${missing.join(', ')}`);
  }
}

const sameBudget = (a: Budget, b: Budget): boolean => a.scope === b.scope && a.targetId === b.targetId && a.action === b.action
  && a.limitUsd === b.limitUsd && a.limitTokens === b.limitTokens;
