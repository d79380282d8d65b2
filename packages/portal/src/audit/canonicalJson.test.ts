import { readFileSync } from 'node:fs';
import type { AuditOutcome } from '@paddock/protocol';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { AUDITOR_QUERY, canonicalizeWithCli, verifyAuditChainAsAuditor } from '../testing/auditorCheck.js';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase.js';
import { operatorActor } from '../auth/actor.js';
import { AuditLog } from './auditLog.js';
import { canonicalJson } from './canonicalJson.js';

/** The key sorter the audit chain was hashed with before RFC 8785 was named (main at 7596538), kept to prove the outputs equal. */
function ownSorterBeforeJcs(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(ownSorterBeforeJcs).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${ownSorterBeforeJcs(v)}`).join(',')}}`;
}

interface FixtureRow {
  id: number; at: string; actor_id: string | null; actor_email: string | null; action: string; target_type: string | null;
  target_id: string | null; blueprint_id: string | null; outcome: AuditOutcome; detail: Record<string, unknown>; prev_hash: string; hash: string;
}
const before = JSON.parse(readFileSync(new URL('./testdata/chainBeforeJcs.json', import.meta.url), 'utf8')) as { rows: FixtureRow[]; head: { last_id: number; last_hash: string } };

describe('canonical JSON (RFC 8785, JCS)', () => {
  it('writes the RFC\'s own examples byte for byte', () => {
    // RFC 8785 §3.2.2 (the sample input) and §3.2.3 (sorting by UTF-16 code units).
    const sample = JSON.parse('{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}');
    expect(canonicalJson(sample)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
    const keys = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    // (Parsed back, '1' would move to the front: JS puts integer-like keys first. So the text itself is checked.)
    expect(canonicalJson(keys)).toBe('{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",'
      + '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}');
    // Appendix B: numbers as ECMAScript writes them.
    for (const [n, text] of [[0, '0'], [-0, '0'], [1e21, '1e+21'], [1e-7, '1e-7'], [0.000001, '0.000001'], [9007199254740992, '9007199254740992'], [295147905179352830000, '295147905179352830000'], [5e-324, '5e-324'], [-1.7976931348623157e308, '-1.7976931348623157e+308']] as const) {
      expect(canonicalJson(n)).toBe(text);
    }
  });

  it('writes what the chain\'s own sorter wrote for every value a row can hold (JSON with well-formed strings)', () => {
    const anyText = fc.string({ unit: 'binary', maxLength: 12 });
    fc.assert(fc.property(fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 }), fc.dictionary(anyText, fc.jsonValue({ stringUnit: 'binary' })), (value, object) => {
      expect(canonicalJson(value)).toBe(ownSorterBeforeJcs(value));
      expect(canonicalJson(object)).toBe(ownSorterBeforeJcs(object));
    }), { numRuns: 5000 });
  });

  it('refuses what JCS has no form for, rather than hash something else', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, { text: 'x\ud800' }, { ['\udc00']: 1 }]) expect(() => canonicalJson(bad)).toThrow();
  });
});

describe('audit chains across the change to RFC 8785', () => {
  let t: TestDatabase;
  beforeAll(async () => { t = await openTestDatabase(); });
  afterAll(async () => { await t.close(); });

  it('verifies a chain written before it, unchanged; and so does an auditor with the library alone', async () => {
    // Rows from before actors had kinds (migration 0016): no actor_kind, no actor_name.
    for (const r of before.rows) await t.db.insertInto('audit_log').values({ ...r, actor_kind: null, actor_name: null, at: new Date(r.at), detail: JSON.stringify(r.detail) }).execute();
    await t.db.updateTable('audit_head').set(before.head).execute();
    const log = new AuditLog(t.db, new FakeClock(new Date('2026-11-03T00:00:00Z')));
    expect(await log.verify()).toEqual({ ok: true, checked: before.rows.length });
    expect(await verifyAuditChainAsAuditor(t.db)).toEqual(before.rows.map((r) => r.id));
  });

  it('goes on with rows an auditor verifies too, even for text the database can\'t hold as given', async () => {
    const log = new AuditLog(t.db, new FakeClock(new Date('2026-11-03T00:00:00Z')));
    await log.append({ actor: { kind: 'anonymous', email: 'lone\ud800surrogate@example.com' }, action: 'user.update', targetId: 'nul\u0000id', outcome: 'success', detail: { ['k\udc00']: ['v\ud83d', 1e21, Number.NaN, undefined], at: new Date(0) } });
    await log.append({ actor: operatorActor('root'), action: 'ip_allowlist.reset', outcome: 'success' });
    expect(await log.verify()).toEqual({ ok: true, checked: before.rows.length + 2 });
    expect(await verifyAuditChainAsAuditor(t.db)).toHaveLength(before.rows.length + 2);
    const row = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'user.update').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ actor_email: 'lone\ufffdsurrogate@example.com', target_id: 'nul\ufffdid', detail: { ['k\ufffd']: ['v\ufffd', 1e21, null, null], at: '1970-01-01T00:00:00.000Z' } });
  });

  it('is the procedure docs/operations.md gives auditors', () => {
    const doc = readFileSync(new URL('../../../../docs/operations.md', import.meta.url), 'utf8');
    expect(doc).toContain(`${AUDITOR_QUERY};`);
    expect(doc).toContain('hex(SHA-256(prev_hash || "\\n" || JCS(entry)))');
  });

  it('gives the documented command line tool\'s bytes for every row', async () => {
    const { rows } = await sql<{ entry: string }>`select json_build_object('id', id, 'detail', detail)::text as entry from audit_log order by id`.execute(t.db);
    for (const r of rows) expect(await canonicalizeWithCli(r.entry)).toBe(canonicalJson(JSON.parse(r.entry)));
  });
});
