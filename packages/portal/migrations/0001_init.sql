create table users (
  id text primary key,
  email text not null unique,
  name text not null,
  role text not null check (role in ('admin', 'builder')),
  password_hash text,
  created_at timestamptz not null,
  last_login_at timestamptz
);

-- Only hashes of session ids and tokens are stored: a database dump signs no one in.
create table sessions (
  id_hash text primary key,
  user_id text not null references users(id) on delete cascade,
  csrf_token text not null,
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null
);
create index sessions_user_id on sessions(user_id);

create table api_tokens (
  id text primary key,
  user_id text not null references users(id) on delete cascade,
  name text not null,
  token_hash text not null unique,
  created_at timestamptz not null,
  last_used_at timestamptz
);

create table blueprints (
  id text primary key,
  name text not null unique,
  description text not null default '',
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table agents (
  id text primary key,
  name text not null,
  secret_hash text not null,
  version text not null default '',
  created_at timestamptz not null,
  last_seen_at timestamptz
);

create table enrollment_tokens (
  token_hash text primary key,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  agent_id text references agents(id)
);

create table workspaces (
  id text primary key,
  name text not null,
  owner_id text not null references users(id),
  blueprint_id text not null references blueprints(id),
  agent_id text references agents(id),
  state text not null check (state in ('pending','starting','running','stopping','stopped','failed','deleted')),
  desired_state text not null check (desired_state in ('running','stopped','deleted')),
  state_message text not null default '',
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index workspaces_owner_name on workspaces(owner_id, name) where state <> 'deleted';
create index workspaces_unsettled on workspaces(agent_id) where state <> 'deleted';

-- Append-only and hash-chained: each row's hash covers its content and the previous
-- row's hash, so /audit/verify finds any edit or deletion. The trigger stops
-- accidental writes; the chain catches deliberate ones.
create table audit_log (
  id bigint primary key,
  at timestamptz not null,
  actor_id text,
  actor_email text,
  action text not null,
  target_type text,
  target_id text,
  blueprint_id text,
  outcome text not null check (outcome in ('success', 'failure')),
  detail jsonb not null,
  prev_hash text not null,
  hash text not null
);
create index audit_log_target on audit_log(target_type, target_id);

create table audit_head (
  singleton int primary key check (singleton = 1),
  last_id bigint not null,
  last_hash text not null
);
insert into audit_head (singleton, last_id, last_hash) values (1, 0, '');

create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only';
end $$;
create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_append_only();

-- Terminal tickets: single use, short-lived, bound to a user and a workspace.
-- In the database (not memory) so any portal replica can redeem one atomically.
create table terminal_tickets (
  ticket_hash text primary key,
  user_id text not null references users(id) on delete cascade,
  workspace_id text not null references workspaces(id),
  expires_at timestamptz not null,
  used_at timestamptz
);
