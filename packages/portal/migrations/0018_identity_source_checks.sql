-- Where an account or a group comes from is one of three values (the protocol's
-- identitySourceSchema), as every other enum column is held by a CHECK constraint:
-- db/enumColumns.ts lists them all, and its test compares the list with these.
-- Only the portal writes these columns, and only these values.
alter table users add constraint users_source_check check (source in ('local', 'oidc', 'scim'));
alter table groups add constraint groups_source_check check (source in ('local', 'oidc', 'scim'));
