-- How a blueprint's workspaces are set up (model and endpoint, system prompt,
-- data-source notes, tabs, layout lock, preview ports): one JSON document,
-- validated by the API's schema and read with its defaults, so blueprints
-- created before this read as the defaults. The provider key is not here: it
-- is a secret (scope blueprint-llm:<id>).
alter table blueprints add column workspace_config jsonb not null default '{}';
