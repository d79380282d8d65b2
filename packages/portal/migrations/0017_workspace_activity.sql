-- Use of a workspace: a terminal attached, a preview link issued, a prompt sent to its AI.
-- Frequent (every page view, every reconnect, every message) and a record of use, not of a
-- change auditors review, so not in the hash-chained audit log, whose appends all wait on its
-- one audit_head row. Plain rows, no chain. Someone using another person's workspace is
-- recorded here and audited too (docs/architecture.md, "What the audit log keeps").
-- Like llm_usage, no foreign keys: the record stays true if a user or workspace goes.
create table workspace_activity (
  id bigint generated always as identity primary key,
  at timestamptz not null,
  workspace_id text not null,
  actor_id text,
  actor_email text not null,
  action text not null,
  detail jsonb not null default '{}'
);
create index workspace_activity_workspace on workspace_activity(workspace_id, id);
