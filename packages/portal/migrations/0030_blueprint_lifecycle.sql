-- A blueprint's life in the catalog (issue 12; docs/blueprints.md):
-- - enabled: false hides it from builders and refuses new workspaces from it to anyone but an
--   admin (who may try it before enabling it); existing workspaces start, stop and run as before.
-- - archived_at: set while archived: out of every catalog, no new workspaces, not even an admin's;
--   existing ones keep running. Unarchiving clears it.
-- - illustration: the built-in picture its catalog card shows (null: the generic one).
alter table blueprints add column enabled boolean not null default true;
alter table blueprints add column archived_at timestamptz;
alter table blueprints add column illustration text check (illustration in ('spark', 'website', 'app', 'data', 'chart', 'code', 'document', 'chat'));
