-- A held action that carried one of the workspace's own credentials arrives masked (agent
-- protocol 1.3): the portal never holds the credential, and no rule can name the action
-- exactly, so it can only be decided once (governanceApprovals.ts).
alter table governance_approvals add column redacted boolean not null default false;
