import canonicalize from 'canonicalize';

/**
 * The JSON Canonicalization Scheme (RFC 8785, JCS), by the `canonicalize`
 * package: object keys sorted by UTF-16 code units at every depth, no white
 * space, strings and numbers as ECMAScript writes them. A hash over it doesn't
 * depend on key order (jsonb reorders keys), and anyone can recompute it with
 * any JCS implementation (docs/security.md, "Verifying the audit log").
 *
 * Rows hashed before RFC 8785 was named used a sorter of our own. For every
 * value a row holds (JSON read back from the database: well-formed strings,
 * finite numbers) it wrote these same bytes, so those chains verify unchanged
 * (canonicalJson.test.ts proves it, on a chain written by that code).
 *
 * JCS has no form for NaN, infinities or lone surrogates: this throws on them.
 */
export function canonicalJson(value: unknown): string {
  return canonicalize(value) ?? 'null';
}
