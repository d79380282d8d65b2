-- Issue 12: a workspace's display name, what its builder calls it ("Sales dashboard", "Tableau de
-- bord — ventes"): free text they set and change, shown wherever they see the workspace. The name
-- stays the internal slug (unique per owner, in paths and the preview's host name) and never changes.
-- Existing workspaces are called by their name. protocol/src/api.ts says what a display name may be;
-- the check here only keeps a client that bypasses the API from storing an empty or unbounded one.
alter table workspaces add column display_name text;
update workspaces set display_name = name;
alter table workspaces alter column display_name set not null;
alter table workspaces add constraint workspaces_display_name_bounded check (char_length(display_name) between 1 and 80);

-- A workspace inserted without one (an older writer, a test's fixture) is called by its name, as
-- existing ones are: the default is another column, which a column default can't say.
create function workspaces_display_name_default() returns trigger language plpgsql as $$
begin
  if new.display_name is null then new.display_name := new.name; end if;
  return new;
end $$;
create trigger workspaces_display_name_default before insert on workspaces
  for each row execute function workspaces_display_name_default();
