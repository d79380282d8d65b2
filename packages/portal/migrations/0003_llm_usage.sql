-- Token usage of model calls, as counted by the agents' LLM gateways: one row a
-- call. Tagged with who and what at the time of the call (owner, blueprint), so
-- the ledger stays true if a workspace later changes hands or is deleted.
create table llm_usage (
  id bigint generated always as identity primary key,
  at timestamptz not null,
  agent_id text not null,
  workspace_id text not null,
  user_id text not null,
  blueprint_id text not null,
  model text not null,
  input_tokens bigint not null check (input_tokens >= 0),
  output_tokens bigint not null check (output_tokens >= 0),
  cache_read_tokens bigint not null check (cache_read_tokens >= 0),
  cache_write_tokens bigint not null check (cache_write_tokens >= 0)
);
create index llm_usage_at on llm_usage(at);
create index llm_usage_user on llm_usage(user_id, at);
create index llm_usage_workspace on llm_usage(workspace_id, at);
