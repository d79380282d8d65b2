import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import canonicalize from 'canonicalize';
import { sql, type Kysely } from 'kysely';

/**
 * The query an auditor runs (docs/operations.md, "Verifying the audit log with
 * your own tools"): each row's hashed entry as JSON. Kept here verbatim so the
 * documented procedure is the tested one (auditorCheck.test.ts compares them).
 */
export const AUDITOR_QUERY = `select id, prev_hash, hash, (jsonb_build_object(
  'id', id, 'at', to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'actorId', actor_id, 'actorEmail', actor_email, 'action', action,
  'targetType', target_type, 'targetId', target_id, 'blueprintId', blueprint_id,
  'outcome', outcome, 'detail', detail)
  || case when actor_kind is null then '{}'::jsonb
     else jsonb_build_object('actorKind', actor_kind, 'actorName', actor_name) end)::text as entry
from audit_log order by id`;

/** The `canonicalize` package's command line (RFC 8785: JSON on stdin, JCS on stdout), the outside tool of the documented procedure. */
export function canonicalizeWithCli(json: string): Promise<string> {
  const cli = join(dirname(fileURLToPath(import.meta.resolve('canonicalize'))), '..', 'bin', 'canonicalize.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`canonicalize exited ${code}`))));
    child.stdin.end(json);
  });
}

/**
 * Verifies the audit chain as an auditor would, without any of the portal's
 * audit code: the documented query, an RFC 8785 library, SHA-256 of
 * `prev_hash || "\n" || JCS(entry)`, each row linked to the one before and the
 * last to audit_head. Returns the ids checked; throws at the first bad row.
 */
export async function verifyAuditChainAsAuditor(db: Kysely<any>): Promise<number[]> {
  const { rows } = await sql.raw<{ id: number | string; prev_hash: string; hash: string; entry: string }>(AUDITOR_QUERY).execute(db);
  let prev = '';
  const ids: number[] = [];
  for (const row of rows) {
    const jcs = canonicalize(JSON.parse(row.entry)) ?? '';
    const hash = createHash('sha256').update(`${row.prev_hash}\n`).update(jcs).digest('hex');
    if (row.prev_hash !== prev || hash !== row.hash) throw new Error(`audit row ${row.id} does not verify`);
    prev = row.hash;
    ids.push(Number(row.id));
  }
  const { rows: head } = await sql<{ last_hash: string }>`select last_hash from audit_head`.execute(db);
  if (head[0]?.last_hash !== prev) throw new Error('audit_head does not name the last row');
  return ids;
}
