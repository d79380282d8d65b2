-- Identity and access: the auditor role, the trusted flag, deactivation, where an
-- account comes from, groups, blueprint access rules, invites, org settings and
-- richer sessions.
alter table users drop constraint users_role_check;
alter table users add constraint users_role_check check (role in ('admin', 'builder', 'auditor'));
alter table users add column trusted boolean not null default false;
alter table users add column active boolean not null default true;
-- local (password), oidc (just-in-time from SSO) or scim (provisioned).
alter table users add column source text not null default 'local';
alter table users add column external_id text;
alter table users add column oidc_subject text unique;
alter table users add column updated_at timestamptz;
update users set updated_at = created_at;
alter table users alter column updated_at set not null;

create table groups (
  id text primary key,
  display_name text not null unique,
  external_id text,
  source text not null default 'local',
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table group_members (
  group_id text not null references groups(id) on delete cascade,
  user_id text not null references users(id) on delete cascade,
  primary key (group_id, user_id)
);
create index group_members_user on group_members(user_id);

-- A blueprint is open (everyone) or restricted to the users matching any rule.
alter table blueprints add column access text not null default 'open' check (access in ('open', 'restricted'));
create table blueprint_access_rules (
  id text primary key,
  blueprint_id text not null references blueprints(id) on delete cascade,
  kind text not null check (kind in ('email', 'domain', 'role', 'group', 'user')),
  value text not null,
  created_at timestamptz not null,
  unique (blueprint_id, kind, value)
);

create table invites (
  id text primary key,
  token_hash text not null unique,
  email text not null,
  role text not null check (role in ('admin', 'builder', 'auditor')),
  created_by text references users(id),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);

-- Org-wide settings (sign-in methods, IP allowlist, SSO), one JSON value per key.
create table settings (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null
);

-- Encrypted secrets: each value has its own data key, wrapped by the master key.
create table secrets (
  id text primary key,
  scope text not null,          -- e.g. 'blueprint:<id>', 'oidc', 'scim'
  name text not null,
  ciphertext text not null,     -- base64(iv | tag | data), AES-256-GCM under the data key
  wrapped_key text not null,    -- base64(iv | tag | data key), AES-256-GCM under the master key
  master_key_id text not null,  -- which master key wrapped it (for rotation)
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (scope, name)
);

-- Sessions get a public id (for listing and revoking) and where they came from.
alter table sessions add column id text;
update sessions set id = substr(id_hash, 1, 32);
alter table sessions alter column id set not null;
create unique index sessions_id on sessions(id);
alter table sessions add column ip text not null default '';
alter table sessions add column user_agent text not null default '';
