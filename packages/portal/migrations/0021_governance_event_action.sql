-- The structured action each governance event was decided on (agent protocol 1.3), so the
-- simulator can replay the events of the last days against a draft policy through the same
-- evaluator the agent runs. Metadata only, as in governance_approvals.action: a command line,
-- a path, a domain, method and path (no query), a remote and ref, with the workspace's own
-- credentials masked by the agent. Never a body, a prompt or a file's content.
-- Events recorded before this column (or by a 1.2 agent) have none: "not replayable".
alter table governance_events add column action jsonb;
-- The simulator and the suggestions read one blueprint's (or every) event of a window.
create index governance_events_blueprint on governance_events(blueprint_id, at);
