-- A change that takes effect outside the database (a file renamed in a workspace) is
-- recorded before it is made, as an `attempt`, and again with its outcome: if the
-- second record can't be written, the first still says what was done, and by whom.
alter table audit_log drop constraint audit_log_outcome_check;
alter table audit_log add constraint audit_log_outcome_check check (outcome in ('success', 'failure', 'attempt'));
