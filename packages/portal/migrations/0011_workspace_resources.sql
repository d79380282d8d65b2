-- What each workspace may take and takes, as its agent last reported it: the
-- limits it started with, how they are held (cgroup v2, v1 or not at all),
-- the disk use of /workspace, and how often a limit bit (OOM kills, refused
-- forks). Null until the first report. The limits a workspace gets live in
-- its blueprint's workspace_config (resources); this is what is in force.
alter table workspaces add column resource_usage jsonb;
