-- White-label (issue 12): the logos and favicon an admin uploads, one row per slot. The
-- bytes are checked before they get here (branding/brandImage.ts: type by magic bytes,
-- at most 512 KiB, SVG sanitised); sha256 names the version a URL serves, so browsers
-- cache each one for good. The name, colour and welcome text are a setting ('branding').
create table branding_assets (
  slot text primary key check (slot in ('logo-light', 'logo-dark', 'favicon')),
  content_type text not null check (content_type in ('image/png', 'image/jpeg', 'image/webp', 'image/x-icon', 'image/svg+xml')),
  bytes bytea not null check (octet_length(bytes) between 1 and 524288),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  updated_at timestamptz not null
);
