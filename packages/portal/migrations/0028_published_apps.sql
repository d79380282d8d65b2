-- Published apps (issue 10; docs/publishing.md). One app per workspace, at one subdomain:
-- the version it serves runs in a sandbox of its own on the agent that keeps the workspace's
-- versions (agent_id), made from that version and nothing else. `version` is the one it should
-- serve (the approved request's, or a rollback's); `live_version` the one that serves now (null
-- until a first version answered). While a new version starts, the old one keeps serving.
-- No file of the app is here: like publish_requests, this is configuration and metadata.
create table published_apps (
  id text primary key,
  subdomain text not null unique check (subdomain ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  workspace_id text not null unique,
  owner_id text not null,
  blueprint_id text not null,
  agent_id text not null,
  access text not null check (access in ('organization', 'public')),
  command text not null,
  port int not null check (port between 1024 and 65535),
  request_id text not null references publish_requests(id),
  version text not null,
  live_version text,
  state text not null check (state in ('publishing', 'live', 'failed', 'unpublished')),
  message text not null default '',
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index published_apps_agent on published_apps(agent_id, state);

-- Why a request failed to go live (the app's start, said in plain words); null otherwise.
alter table publish_requests add column message text;

-- Whether this blueprint's published apps get its credentials (its secrets as environment);
-- by default they get none: an app is opened by colleagues, not by the builder who was given them.
alter table blueprints add column apps_get_credentials boolean not null default false;

-- Sign-in to "everyone signed in" apps, as for previews: a one-time token issued by the portal
-- for one app, redeemed on the app's origin for a session id kept in a host-only cookie there.
-- Both stored as SHA-256 hashes.
create table app_tokens (
  token_hash text primary key,
  user_id text not null references users(id) on delete cascade,
  subdomain text not null,
  portal_session_hash text,
  expires_at timestamptz not null,
  used_at timestamptz
);
create table app_sessions (
  id_hash text primary key,
  user_id text not null references users(id) on delete cascade,
  subdomain text not null,
  portal_session_hash text,
  created_at timestamptz not null,
  expires_at timestamptz not null
);
create index app_sessions_expiry on app_sessions(expires_at);
