/** What PostgreSQL can't hold: text is UTF-8 without NUL, and jsonb refuses both as escapes. */
const unstorable = /\p{Cs}|\u0000/gu;

function clean(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(unstorable, '\uFFFD');
  if (Array.isArray(value)) return value.map(clean);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(unstorable, '\uFFFD'), clean(v)]));
  }
  return value;
}

/**
 * An audit entry as the database will store it, so that what is hashed is what
 * is stored: JSON as jsonb keeps it (no undefined, NaN as null, dates as ISO
 * strings), each lone surrogate and NUL replaced by U+FFFD. Before, a lone
 * surrogate in a text column was stored as U+FFFD but hashed as itself, so its
 * row, and so every verify from then on, failed; one in `detail` (or a NUL
 * anywhere) failed the action being audited.
 */
export function storable<T>(value: T): T {
  return clean(JSON.parse(JSON.stringify(value)) as unknown) as T;
}
