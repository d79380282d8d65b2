-- Agent governance (issue 9; docs/governance.md). Configuration and metadata only: a policy,
-- what an agent asked to do in one line, what an admin decided. Never a prompt, a body or a
-- file's content. Changes to policies, kill switches and decisions are also audited (the
-- hash-chained audit_log); the events are not: they are high volume.

-- The org policy (GovernancePolicy as JSON): one row; none until an admin saves one (the
-- portal then serves the defaults, governancePolicy.ts).
create table governance_org_policy (
  singleton int primary key default 1 check (singleton = 1),
  policy jsonb not null,
  updated_at timestamptz not null,
  updated_by text
);

-- A blueprint's override (GovernanceOverride as JSON): fields left out inherit the org's.
create table governance_blueprint_overrides (
  blueprint_id text primary key references blueprints(id) on delete cascade,
  override jsonb not null,
  updated_at timestamptz not null,
  updated_by text
);

-- The kill switch, org-wide (scope 'org', no blueprint) or per blueprint; a row is kept when
-- released, with who released it and why. `target` is 'org' or the blueprint's id.
create table governance_kill_switches (
  target text primary key,
  scope text not null check (scope in ('org', 'blueprint')),
  blueprint_id text references blueprints(id) on delete cascade,
  engaged boolean not null,
  reason text,
  changed_at timestamptz not null,
  changed_by text,
  changed_by_email text,
  check ((scope = 'org' and blueprint_id is null and target = 'org') or (scope = 'blueprint' and blueprint_id = target))
);

-- Every decision an enforcement point made (GovernanceEventReport, tagged from the portal's
-- own workspace row). No foreign keys, like llm_usage: the record stays true after a
-- workspace or user goes.
create table governance_events (
  id bigint generated always as identity primary key,
  at timestamptz not null,
  received_at timestamptz not null,
  agent_id text not null,
  workspace_id text not null,
  user_id text not null,
  blueprint_id text not null,
  point text not null check (point in ('hook', 'gateway', 'proxy')),
  class text not null check (class in ('llm_call', 'bash_command', 'file_write', 'git_push', 'http_request')),
  summary text not null,
  verdict text not null check (verdict in ('allow', 'ask', 'deny')),
  enforced boolean not null,
  rule_id text,
  filter jsonb,
  held_id text
);
create index governance_events_at on governance_events(at, id);
create index governance_events_workspace on governance_events(workspace_id, at, id);

-- A held action ("ask" in enforce mode) waiting for an admin, and what became of it.
-- `action` is the GovernanceAction as the agent asked it (a command, a path, a domain and
-- path, a remote and ref: never content). `action_key` tells identical actions apart: one
-- decision releases every pending approval of the same workspace, rule and action.
create table governance_approvals (
  id text primary key,
  agent_id text not null,
  workspace_id text not null,
  user_id text not null,
  blueprint_id text not null,
  class text not null check (class in ('llm_call', 'bash_command', 'file_write', 'git_push', 'http_request')),
  action jsonb not null,
  action_key text not null,
  summary text not null,
  rule_id text,
  state text not null check (state in ('pending', 'approved', 'denied', 'expired')),
  requested_at timestamptz not null,
  expires_at timestamptz not null,
  decided_at timestamptz,
  decided_by text,
  decided_by_email text,
  scope text check (scope in ('once', 'minutes', 'rule')),
  minutes int check (minutes between 1 and 10080),
  grant_id text,
  check ((state = 'pending') = (decided_at is null))
);
create index governance_approvals_pending on governance_approvals(state, expires_at);
create index governance_approvals_workspace on governance_approvals(workspace_id, requested_at);

-- What an admin's "approve for N minutes", "approve and add a rule" or "deny and add a rule"
-- left behind: one rule, for one workspace, matching exactly the action decided
-- (exactMatchOf), tried before every other rule of the workspace's policy. `expires_at`
-- null: until removed.
create table governance_grants (
  id text primary key,
  approval_id text not null references governance_approvals(id),
  workspace_id text not null,
  rule jsonb not null,
  created_at timestamptz not null,
  created_by text not null,
  expires_at timestamptz
);
create index governance_grants_workspace on governance_grants(workspace_id);
