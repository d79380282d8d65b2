import type { ColumnType } from 'kysely';
import type { PublishAccess, PublishCheckResult, PublishState } from '@paddock/protocol';

type Timestamp = ColumnType<Date, Date, Date>;
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;

/** migrations/0023_publish_requests.sql: metadata only, the version's files stay on the agent. */
export interface PublishRequestsTable {
  id: string;
  workspace_id: string;
  owner_id: string;
  blueprint_id: string;
  subdomain: string;
  access: PublishAccess;
  command: Nullable<string>;
  port: Nullable<number>;
  note: Nullable<string>;
  version: string;
  base_version: string;
  state: PublishState;
  /** The checks' summary: statuses, counts, masked findings (jsonb, written as a JSON string). */
  checks: ColumnType<PublishCheckResult[], string, string>;
  trusted: ColumnType<boolean, boolean | undefined, boolean>;
  requested_at: Timestamp;
  decided_by: Nullable<string>;
  decided_at: Nullable<Date>;
  feedback: Nullable<string>;
}
