-- Resource policies (issue 11; docs/usage-and-cost.md). The org policy is one settings row
-- ('resourcePolicy', ResourcePolicy as JSON; the defaults until an admin saves one). A
-- blueprint's overrides of the lifecycle values are its own column (null or absent: inherit);
-- its compute limits stay where they always were, in workspace_config.resources.
alter table blueprints add column resource_policy jsonb not null default '{}';

-- What a workspace's deadlines are computed from, at read time against the policy in force
-- (a changed policy applies at once): the last activity (terminal input, a chat prompt, a
-- model call, a preview request, a file save, Keep running), when it was last asked to run,
-- and when it was last asked to stop. stop_reason says why the policy stopped it ('idle',
-- 'lifetime'); null when a person did, or it runs.
alter table workspaces add column last_active_at timestamptz;
update workspaces set last_active_at = updated_at;
alter table workspaces alter column last_active_at set not null;
alter table workspaces alter column last_active_at set default now();
alter table workspaces add column running_since timestamptz;
update workspaces set running_since = updated_at where desired_state = 'running';
alter table workspaces add column stopped_at timestamptz;
update workspaces set stopped_at = updated_at where desired_state = 'stopped';
alter table workspaces add column stop_reason text check (stop_reason in ('idle', 'lifetime'));
-- The sweep's scans: running ones against their deadlines, stopped ones against cleanup.
create index workspaces_desired on workspaces(desired_state);
