-- Identity lifecycle: who deactivated an account (so the identity provider's
-- deactivations can't be undone locally), sign-in attempt counters shared by every
-- portal replica, and admin-issued password reset links.

-- 'admin' (the Members page or the API) or 'scim' (the identity provider); null while active.
alter table users add column deactivated_by text check (deactivated_by in ('admin', 'scim'));
-- Accounts deactivated before this migration: the last user.deactivate record says by whom.
update users set deactivated_by = case
    when (select a.actor_email from audit_log a
          where a.action = 'user.deactivate' and a.target_id = users.id
          order by a.id desc limit 1) = 'scim'
      or (scim_deleted_at is not null and source <> 'local') then 'scim'
    else 'admin'
  end
  where not active;

-- Fixed-window attempt counters (sign-in per address and per account). One row a
-- key, counted by one INSERT … ON CONFLICT DO UPDATE … RETURNING, so parallel
-- attempts on any replica are counted one after another (auth/rateLimiter.ts).
create table rate_limit_windows (
  scope text not null,
  key text not null,
  attempts integer not null,
  window_ends_at timestamptz not null,
  primary key (scope, key)
);
create index rate_limit_windows_ends on rate_limit_windows(window_ends_at);

-- Single-use, expiring password reset links an admin issues for an account with a
-- password (auth/passwordResets.ts). Only the token's SHA-256 is stored.
create table password_resets (
  id text primary key,
  token_hash text not null unique,
  user_id text not null references users(id) on delete cascade,
  created_by text not null references users(id),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index password_resets_user on password_resets(user_id);
