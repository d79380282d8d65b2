import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { Tables } from '../db/schema.js';
import { canonicalJson } from '../audit/canonicalJson.js';
import { parseFilter, type Filter } from './filter.js';
import { ScimError } from './scimErrors.js';
import { LIST_RESPONSE_SCHEMA, MAX_RESULTS } from './scimSchemas.js';

/** Shared pieces of the Users and Groups endpoints: versions, pages, projections. */

/** A weak ETag over the representation (RFC 7644 §3.14): any change to what a client sees changes it. */
export function versionOf(resource: Record<string, unknown>): string {
  const { meta: _meta, ...rest } = resource;
  return `W/"${createHash('sha256').update(canonicalJson(rest)).digest('base64url').slice(0, 22)}"`;
}

export const versionIn = (resource: Record<string, unknown>): string => (resource.meta as { version: string }).version;

/** 412 when If-Match names another version (RFC 7644 §3.14). */
export function checkIfMatch(ifMatch: string | undefined, version: string): void {
  if (!ifMatch || ifMatch.trim() === '*') return;
  const wanted = ifMatch.split(',').map((s) => s.trim());
  if (!wanted.includes(version)) throw new ScimError(412, undefined, 'the resource changed since that version (If-Match)');
}

export interface ListQuery { filter?: Filter; startIndex: number; count: number }

/**
 * A query integer. Any negative one means "less than 1" to both parameters; past
 * 2^53 JavaScript loses digits and the database refuses the offset, so that is a 400.
 */
const int = (name: string, raw: unknown): number | undefined => {
  if (raw === undefined || raw === '') return undefined;
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (/^-\d+$/.test(text)) return -1;
  const n = /^\+?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new ScimError(400, 'invalidValue', `${name} must be an integer of at most ${Number.MAX_SAFE_INTEGER}`);
  return n;
};

/** RFC 7644 §3.4.2.4: startIndex is 1-based (less than 1 means 1); count is clamped to 0…maxResults. */
export function listQuery(query: Record<string, unknown>): ListQuery {
  const startIndex = Math.max(1, int('startIndex', query.startIndex) ?? 1);
  const count = Math.min(MAX_RESULTS, Math.max(0, int('count', query.count) ?? MAX_RESULTS));
  if (query.sortBy !== undefined) throw new ScimError(400, 'invalidValue', 'sorting is not supported (see /ServiceProviderConfig)');
  const filter = typeof query.filter === 'string' ? parseFilter(query.filter) : undefined;
  return { startIndex, count, ...(filter ? { filter } : {}) };
}

export function listResponse(resources: unknown[], total: number, startIndex: number) {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5), on top-level
 * attributes; `id` and `schemas` are always returned.
 */
export function project(resource: Record<string, unknown>, query: Record<string, unknown>): Record<string, unknown> {
  const names = (v: unknown) => (typeof v === 'string' && v ? v.split(',').map((s) => s.trim().split('.')[0]!.toLowerCase()) : null);
  const only = names(query.attributes);
  const excluded = names(query.excludedAttributes);
  if (!only && !excluded) return resource;
  return Object.fromEntries(Object.entries(resource).filter(([k]) => {
    const key = k.toLowerCase();
    if (key === 'id' || key === 'schemas') return true;
    if (only) return only.includes(key);
    return !excluded!.includes(key);
  }));
}

/** A database unique violation (a concurrent create won the race). */
export const isUniqueViolation = (err: unknown) => (err as { code?: string } | null)?.code === '23505';

/** PostgreSQL ended the transaction to break a deadlock (40P01) or a serialization conflict (40001). */
const isRetryable = (err: unknown) => ['40P01', '40001'].includes((err as { code?: string } | null)?.code ?? '');

/**
 * A SCIM write's transaction. It locks the resource's row and, for an admin,
 * every active admin's (the last-admin check): two such writes on different
 * admins can deadlock, and PostgreSQL then ends one of them. Nothing of it was
 * written, so it runs again, up to three times.
 */
export async function writeTransaction<T>(db: Database, work: (tx: Transaction<Tables>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (err) {
      if (attempt >= 3 || !isRetryable(err)) throw err;
    }
  }
}
