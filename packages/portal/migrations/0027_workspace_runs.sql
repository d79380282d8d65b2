-- Compute time (issue 11; docs/usage-and-cost.md): one row per stretch a workspace ran, from
-- the moment its agent reported it running to the moment it reported it otherwise (stopped,
-- failed, deleted). An open row (ended_at null) is running now. Owner and blueprint are the
-- workspace's at its start; like llm_usage, no foreign keys: the record stays true after a
-- workspace or user goes. A blueprint's hourly rate is its workspace_config.hourlyRateUsd.
create table workspace_runs (
  id bigint generated always as identity primary key,
  workspace_id text not null,
  user_id text not null,
  blueprint_id text not null,
  started_at timestamptz not null,
  ended_at timestamptz,
  check (ended_at is null or ended_at >= started_at)
);
-- At most one open run per workspace: a repeated "running" report opens nothing new.
create unique index workspace_runs_open on workspace_runs(workspace_id) where ended_at is null;
create index workspace_runs_period on workspace_runs(started_at, ended_at);

-- What runs now has run since its last change, as far as anything recorded says.
insert into workspace_runs (workspace_id, user_id, blueprint_id, started_at)
  select id, owner_id, blueprint_id, updated_at from workspaces where state = 'running';
