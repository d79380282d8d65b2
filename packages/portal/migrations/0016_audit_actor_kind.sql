-- Who did it, by kind: a person ('user': actor_id, actor_email), a named part of the
-- system ('system': actor_name such as reconciler, scim, operator; actor_id for which
-- one, e.g. the agent's id), or someone who proved no identity ('anonymous': a failed
-- sign-in, actor_email the address it claimed). Rows written before this have no kind
-- (they named system actors by a word in actor_email) and keep their hashes: the
-- chain covers actor_kind and actor_name only on rows that have a kind (audit/auditLog.ts).
-- Adding columns rewrites no row, so the append-only trigger has nothing to refuse.
alter table audit_log add column actor_kind text check (actor_kind in ('user', 'system', 'anonymous'));
alter table audit_log add column actor_name text;
alter table audit_log add constraint audit_log_actor_shape check (
  actor_kind is null
  or (actor_kind = 'user' and actor_id is not null and actor_email is not null and actor_name is null)
  or (actor_kind = 'system' and actor_name is not null and actor_email is null)
  or (actor_kind = 'anonymous' and actor_id is null and actor_name is null)
);
