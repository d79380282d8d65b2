import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { AttrPath, CompareOp, Filter, FilterValue } from './filter.js';
import { ScimError } from './scimErrors.js';

type Sql = RawBuilder<unknown>;
type Predicate = (value: Sql) => RawBuilder<SqlBool>;

/** A filterable attribute and the SQL behind it. */
export interface FilterColumn {
  type: 'string' | 'boolean' | 'dateTime';
  /** RFC 7643 §2.2: strings compare ignoring case unless the attribute is caseExact. */
  caseExact?: boolean;
  /**
   * Builds the test from a predicate on the value. A single column applies it to
   * itself; a multi-valued attribute tests whether any of its values passes.
   */
  match: (p: Predicate) => RawBuilder<SqlBool>;
}

/** Keys are lower case: `username`, `name.givenname`, `<extension urn>:role`. */
export type FilterColumns = Record<string, FilterColumn>;

export const column = (ref: string, type: FilterColumn['type'], caseExact = false): FilterColumn =>
  ({ type, caseExact, match: (p) => p(sql.ref(ref)) });

const fail = (message: string): never => { throw new ScimError(400, 'invalidFilter', message); };

function resolve(path: AttrPath, columns: FilterColumns, coreUri: string): { col: FilterColumn; name: string } {
  const local = `${path.attr}${path.sub ? `.${path.sub}` : ''}`;
  const key = (!path.uri || path.uri.toLowerCase() === coreUri.toLowerCase() ? local : `${path.uri}:${local}`).toLowerCase();
  const col = columns[key];
  if (!col) fail(`filtering on "${path.uri ? `${path.uri}:` : ''}${local}" is not supported`);
  return { col: col!, name: local };
}

/** xsd:dateTime (RFC 7643 §2.3.5): ISO 8601 with a four-digit year, its offset optional. */
const scimDateTime = z.iso.datetime({ offset: true, local: true });

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function comparePredicate(col: FilterColumn, name: string, op: CompareOp, value: FilterValue): Predicate {
  if (value === null) fail(`compare ${name} with null using "pr" (present) or "not"`);
  if (col.type === 'boolean') {
    if (typeof value !== 'boolean') fail(`${name} is a boolean; compare it with true or false`);
    if (op !== 'eq' && op !== 'ne') fail(`${name} is a boolean; only eq and ne apply`);
    // ne is the negation of this test (filterToSql), so both build the same equality.
    return (v) => sql<SqlBool>`${v} = ${value}`;
  }
  if (typeof value !== 'string') fail(`${name} is a ${col.type === 'dateTime' ? 'date-time' : 'string'}; quote the value`);
  const text = value as string;
  if (col.type === 'dateTime') {
    // Date() reads far more than dates ("99999-01-01", "Tue Jan 1"), and the databases refuse some of what it reads.
    const at = scimDateTime.safeParse(text).success && !text.startsWith('0000') ? new Date(text) : null;
    if (!at || Number.isNaN(at.getTime())) fail(`"${text}" is not a date-time such as 2026-01-31T12:00:00Z (years 0001-9999)`);
    const sqlOp = ({ eq: '=', ne: '=', gt: '>', ge: '>=', lt: '<', le: '<=' } as Record<string, string>)[op];
    if (!sqlOp) fail(`${name} is a date-time; use eq, ne, gt, ge, lt or le`);
    return (v) => sql<SqlBool>`${v} ${sql.raw(sqlOp!)} ${at}`;
  }
  const norm = col.caseExact ? text : text.toLowerCase();
  const lhs = (v: Sql): Sql => (col.caseExact ? v : sql`lower(${v})`);
  const like = (pattern: string): Predicate => (v) => sql<SqlBool>`${lhs(v)} like ${pattern} escape '\\'`;
  switch (op) {
    case 'eq': case 'ne': return (v) => sql<SqlBool>`${lhs(v)} = ${norm}`;
    case 'co': return like(`%${escapeLike(norm)}%`);
    case 'sw': return like(`${escapeLike(norm)}%`);
    case 'ew': return like(`%${escapeLike(norm)}`);
    case 'gt': return (v) => sql<SqlBool>`${lhs(v)} > ${norm}`;
    case 'ge': return (v) => sql<SqlBool>`${lhs(v)} >= ${norm}`;
    case 'lt': return (v) => sql<SqlBool>`${lhs(v)} < ${norm}`;
    case 'le': return (v) => sql<SqlBool>`${lhs(v)} <= ${norm}`;
  }
}

/**
 * Turns a parsed filter into one SQL condition with bound parameters. `ne` is
 * "no value equals" (so a missing value counts as not equal).
 */
export function filterToSql(f: Filter, columns: FilterColumns, coreUri: string): RawBuilder<SqlBool> {
  switch (f.kind) {
    case 'and': return sql<SqlBool>`(${filterToSql(f.left, columns, coreUri)} and ${filterToSql(f.right, columns, coreUri)})`;
    case 'or': return sql<SqlBool>`(${filterToSql(f.left, columns, coreUri)} or ${filterToSql(f.right, columns, coreUri)})`;
    case 'not': return sql<SqlBool>`(not coalesce(${filterToSql(f.filter, columns, coreUri)}, false))`;
    case 'present': {
      const { col } = resolve(f.path, columns, coreUri);
      return col.match((v) => (col.type === 'string' ? sql<SqlBool>`(${v} is not null and ${v} <> '')` : sql<SqlBool>`${v} is not null`));
    }
    case 'compare': {
      const { col, name } = resolve(f.path, columns, coreUri);
      const test = col.match(comparePredicate(col, name, f.op, f.value));
      return f.op === 'ne' ? sql<SqlBool>`(not coalesce(${test}, false))` : test;
    }
  }
}
