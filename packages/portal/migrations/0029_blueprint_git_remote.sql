-- Optional git push (issue 10; docs/publishing.md): a blueprint may name a git remote its
-- approved versions are also pushed to. The URL (http or https, never with credentials in
-- it), the branch (null: each app's own, paddock/<subdomain>) and the user to push as are
-- configuration, kept here. The token is not: it is a secret, sealed like every other one
-- in `secrets` (scope 'blueprint-git:<blueprint id>', name 'token'), so master key rotation
-- re-wraps it and no query of this table can read it.
alter table blueprints add column git_remote_url text check (git_remote_url is null or git_remote_url ~ '^https?://');
alter table blueprints add column git_remote_branch text;
alter table blueprints add column git_remote_username text;
alter table blueprints add column git_remote_updated_at timestamptz;
-- A branch or user without a URL means nothing: they are set and cleared with it.
alter table blueprints add constraint blueprints_git_remote_whole check (
  git_remote_url is not null or (git_remote_branch is null and git_remote_username is null and git_remote_updated_at is null));
