-- Requests refused by the IP allowlist (the rules themselves live in settings,
-- key 'ip_allowlist'). Bounded: the portal keeps about the last 10,000.
create table ip_blocked_attempts (
  id bigserial primary key,
  at timestamptz not null,
  ip text not null,
  method text not null,
  path text not null,
  user_id text,
  user_email text
);
