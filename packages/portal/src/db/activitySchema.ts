import type { ColumnType, Generated } from 'kysely';

/** migrations/0017_workspace_activity.sql: who used a workspace, and how. */
export interface WorkspaceActivityTable {
  id: Generated<number>;
  at: ColumnType<Date, Date, Date>;
  workspace_id: string;
  actor_id: string | null;
  actor_email: string;
  action: string;
  detail: ColumnType<Record<string, unknown>, string, string>;
}
