-- Budgets (issue 11; docs/usage-and-cost.md): monthly limits on model use per user, group or
-- blueprint, in US dollars or in tokens. Admins replace the list through PUT /api/v1/admin/budgets.
-- `target_id` names a user, group or blueprint by `scope`, checked when the list is saved; no
-- foreign key (it names one of three tables): a budget whose target is gone matches no call.
create table budgets (
  id text primary key,
  -- Where the admin put it in the list: GET answers in the order PUT was given.
  position int not null,
  scope text not null check (scope in ('user', 'group', 'blueprint')),
  target_id text not null,
  period text not null check (period = 'month'),
  limit_usd numeric(14, 2) check (limit_usd > 0),
  limit_tokens bigint check (limit_tokens > 0),
  action text not null check (action in ('alert', 'block')),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check ((limit_usd is null) <> (limit_tokens is null))
);
create index budgets_target on budgets(scope, target_id);

-- What a budget did in one month ('2026-12', UTC): when its 80 % and 100 % alerts were raised
-- (each once: set only where still null, so two portals or a restart never raise one twice),
-- and how many model calls the gateway refused because it was used up.
create table budget_months (
  budget_id text not null references budgets(id) on delete cascade,
  month text not null check (month ~ '^[0-9]{4}-[0-9]{2}$'),
  alerted_80_at timestamptz,
  alerted_100_at timestamptz,
  refusals bigint not null default 0 check (refusals >= 0),
  primary key (budget_id, month)
);
