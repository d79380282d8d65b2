-- SCIM provisioning (RFC 7643/7644): what an identity provider sends that the
-- portal keeps beyond email and display name, and deletion as SCIM sees it.
alter table users add column given_name text;
alter table users add column family_name text;
-- The emails list exactly as the identity provider sent it (lower-cased values);
-- null means "derived from userName". Sign-in always uses users.email (= userName).
alter table users add column scim_emails jsonb;
-- SCIM DELETE: the account is deactivated and hidden from /scim/v2, but the row,
-- its workspaces' files and its audit history stay. Creating the same userName
-- again revives the row.
alter table users add column scim_deleted_at timestamptz;
