import type { ColumnType } from 'kysely';
import type { AppState, PublishAccess, PublishCheckResult, PublishState } from '@paddock/protocol';

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
  /** migrations/0028: why it failed to go live; null otherwise. */
  message: Nullable<string>;
}

/** migrations/0028_published_apps.sql: one app per workspace; the files stay on the agent. */
export interface PublishedAppsTable {
  id: string;
  subdomain: string;
  workspace_id: string;
  owner_id: string;
  blueprint_id: string;
  agent_id: string;
  access: PublishAccess;
  command: string;
  port: number;
  request_id: string;
  /** The version it should serve. */
  version: string;
  /** The version that serves now; null until one answered. */
  live_version: Nullable<string>;
  state: AppState;
  message: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A one-time sign-in link to an "everyone signed in" app. */
export interface AppTokensTable {
  token_hash: string;
  user_id: string;
  subdomain: string;
  portal_session_hash: string | null;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

/** A browser signed in to one app's origin. */
export interface AppSessionsTable {
  id_hash: string;
  user_id: string;
  subdomain: string;
  portal_session_hash: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
}
