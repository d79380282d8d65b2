import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date, Date>;

/** A sign-in in flight with the identity provider (migrations/0004_oidc.sql). */
export interface OidcLoginStatesTable {
  state_hash: string;
  browser_hash: string;
  nonce: string;
  code_verifier: string;
  redirect_uri: string;
  return_to: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** Marks a session as opened through SSO. */
export interface OidcSessionsTable {
  session_hash: string;
  issuer: string;
  created_at: Timestamp;
}
