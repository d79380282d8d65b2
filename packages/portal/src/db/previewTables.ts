import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date, Date>;

/** A one-time preview sign-in link (migrations/0007_previews.sql). */
export interface PreviewTokensTable {
  token_hash: string;
  user_id: string;
  workspace_id: string;
  port: number;
  portal_session_hash: string | null;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

/** A browser signed in to one preview origin (workspace + port). */
export interface PreviewSessionsTable {
  id_hash: string;
  user_id: string;
  workspace_id: string;
  port: number;
  portal_session_hash: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
}
