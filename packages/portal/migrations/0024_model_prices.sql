-- Model prices (issue 11): what a million tokens of each kind cost, per model, in US dollars.
-- A price names a model exactly or as a prefix of dated names ("claude-sonnet-4" prices
-- "claude-sonnet-4-20250514"); the longest match wins. A model with no row has no price,
-- which the usage summary shows as null, never as $0. Seeded with Anthropic's list prices;
-- admins replace the table through PUT /api/v1/admin/model-prices.
create table model_prices (
  model text primary key check (length(model) between 1 and 200),
  input_usd_per_mtok numeric(12, 4) not null check (input_usd_per_mtok >= 0),
  output_usd_per_mtok numeric(12, 4) not null check (output_usd_per_mtok >= 0),
  cache_read_usd_per_mtok numeric(12, 4) not null check (cache_read_usd_per_mtok >= 0),
  cache_write_usd_per_mtok numeric(12, 4) not null check (cache_write_usd_per_mtok >= 0),
  updated_at timestamptz not null
);

insert into model_prices values
  ('claude-opus-4', 15, 75, 1.5, 18.75, now()),
  ('claude-opus-4-5', 5, 25, 0.5, 6.25, now()),
  ('claude-sonnet-4', 3, 15, 0.3, 3.75, now()),
  ('claude-3-7-sonnet', 3, 15, 0.3, 3.75, now()),
  ('claude-haiku-4-5', 1, 5, 0.1, 1.25, now()),
  ('claude-3-5-haiku', 0.8, 4, 0.08, 1, now());
