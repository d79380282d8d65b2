-- OIDC sign-in. A login in flight lives here, not in memory, so whichever portal
-- replica the identity provider sends the browser back to can finish it. Each row
-- is consumed once (DELETE … RETURNING); the state is stored hashed.
create table oidc_login_states (
  state_hash text primary key,
  -- SHA-256 of the random value in the browser's binding cookie: the callback must
  -- come back to the browser that started the login (no login CSRF).
  browser_hash text not null,
  nonce text not null,
  code_verifier text not null,
  redirect_uri text not null,
  return_to text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null
);
create index oidc_login_states_expires on oidc_login_states(expires_at);

-- Sessions opened through SSO (so logout can also end the identity provider's session).
create table oidc_sessions (
  session_hash text primary key references sessions(id_hash) on delete cascade,
  issuer text not null,
  created_at timestamptz not null
);
