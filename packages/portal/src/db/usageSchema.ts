import type { ColumnType, Generated } from 'kysely';
import type { BudgetAction, BudgetScope } from '@paddock/protocol';

/** bigint: read as a number (the database layer parses int8); callers still coerce. */
type TokenCount = ColumnType<number, number, number>;

export interface LlmUsageTable {
  id: Generated<string>;
  at: ColumnType<Date, Date, Date>;
  agent_id: string;
  workspace_id: string;
  user_id: string;
  blueprint_id: string;
  model: string;
  input_tokens: TokenCount;
  output_tokens: TokenCount;
  cache_read_tokens: TokenCount;
  cache_write_tokens: TokenCount;
}

/** numeric: read as a string by the drivers; callers parse. */
type Price = ColumnType<string, number, number>;

/** migrations/0024_model_prices.sql */
export interface ModelPricesTable {
  model: string;
  input_usd_per_mtok: Price;
  output_usd_per_mtok: Price;
  cache_read_usd_per_mtok: Price;
  cache_write_usd_per_mtok: Price;
  updated_at: ColumnType<Date, Date, Date>;
}

/** migrations/0027_workspace_runs.sql: one stretch a workspace ran; ended_at null while it runs. */
export interface WorkspaceRunsTable {
  id: Generated<string>;
  workspace_id: string;
  user_id: string;
  blueprint_id: string;
  started_at: ColumnType<Date, Date, Date>;
  ended_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** migrations/0026_budgets.sql */
export interface BudgetsTable {
  id: string;
  position: number;
  scope: BudgetScope;
  target_id: string;
  period: 'month';
  /** numeric: read as a string. */
  limit_usd: ColumnType<string | null, number | null, number | null>;
  limit_tokens: ColumnType<number | null, number | null, number | null>;
  action: BudgetAction;
  created_at: ColumnType<Date, Date, never>;
  updated_at: ColumnType<Date, Date, Date>;
}

/** What one budget did in one month: its alerts (each raised once) and the calls it refused. */
export interface BudgetMonthsTable {
  budget_id: string;
  month: string;
  alerted_80_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  alerted_100_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  refusals: ColumnType<number, number | undefined, number>;
}
