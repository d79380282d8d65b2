-- Publishing (issue 10). A publish request is metadata only: who asked, for which
-- workspace and subdomain, the version id (a commit in the agent's version store,
-- where the files stay), the checks' summary (statuses, counts and masked findings,
-- never a file's contents) and the decision. Diffs are read from the agent when asked.
create table publish_requests (
  id text primary key,
  workspace_id text not null,
  owner_id text not null,
  blueprint_id text not null,
  subdomain text not null check (subdomain ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  access text not null check (access in ('organization', 'public')),
  command text,
  port int check (port between 1 and 65535),
  note text,
  version text not null,
  base_version text not null,
  state text not null check (state in ('pending', 'approved', 'publishing', 'live', 'rejected', 'failed')),
  checks jsonb not null,
  trusted boolean not null default false,
  requested_at timestamptz not null,
  decided_by text,
  decided_at timestamptz,
  feedback text
);
create index publish_requests_workspace on publish_requests(workspace_id, requested_at);
create index publish_requests_state on publish_requests(state, requested_at);
create index publish_requests_subdomain on publish_requests(subdomain);

-- A blueprint's apps may be public (anyone, no sign-in) only when an admin says so;
-- its trusted builders skip review (when every check passes) only while it trusts them.
alter table blueprints add column allow_public_apps boolean not null default false;
alter table blueprints add column trusted_publishing boolean not null default true;
