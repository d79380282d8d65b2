-- The tunnel protocol each agent last spoke, and why the portal last refused it
-- (shown on the Agents page; cleared when it connects).
alter table agents add column protocol text not null default '';
alter table agents add column refused_reason text;
alter table agents add column refused_at timestamptz;
