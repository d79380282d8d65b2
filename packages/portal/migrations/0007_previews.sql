-- Live preview sign-in (src/preview/). A one-time token (60 s) is exchanged on the
-- preview origin for a preview session, whose id becomes a host-only cookie there.
-- Only SHA-256 hashes of tokens and session ids are stored.
create table preview_tokens (
  token_hash text primary key,
  user_id text not null references users(id) on delete cascade,
  workspace_id text not null references workspaces(id),
  port integer not null,
  -- The portal session that asked for it (null for an API token): the preview session dies with it.
  portal_session_hash text,
  expires_at timestamptz not null,
  used_at timestamptz
);

create table preview_sessions (
  id_hash text primary key,
  user_id text not null references users(id) on delete cascade,
  workspace_id text not null references workspaces(id),
  port integer not null,
  portal_session_hash text,
  created_at timestamptz not null,
  expires_at timestamptz not null
);
create index preview_sessions_expires_at on preview_sessions (expires_at);
