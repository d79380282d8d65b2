import { Readable } from 'node:stream';
import { z } from 'zod';
import {
  AUDIT_EXPORT_MAX_ROWS, auditExportQuerySchema, auditListQuerySchema, auditPageSchema, auditVerifySchema, csvLine,
  workspaceActivityActionSchema, workspaceActivityPageSchema, type AuditEntry, type AuditFilter,
} from '@paddock/protocol';
import type { AuditLog } from '../audit/auditLog.js';
import { route } from './route.js';

const CSV_COLUMNS = ['id', 'at', 'actor', 'actorId', 'actorName', 'action', 'outcome', 'targetType', 'targetId', 'targetName', 'blueprintId', 'blueprintName', 'detail'] as const;

/** Who an entry names as its actor, in words: a person's email, a part of Paddock, or the email a failed sign-in claimed. */
function actorText(e: AuditEntry): string {
  switch (e.actor.kind) {
    case 'user': return e.actor.email;
    case 'system': return e.actor.id ? `${e.actor.name} (${e.actor.id})` : e.actor.name;
    case 'anonymous': return `${e.actor.email ?? 'unknown'} (not signed in)`;
  }
}

/** An entry with the names of what it names by id, as the export writes it. */
function withNames(e: AuditEntry, names: Record<string, string>) {
  const name = (id: string | null) => (id ? names[id] ?? null : null);
  return { ...e, actorName: e.actor.kind === 'user' ? name(e.actor.id) : null, targetName: name(e.targetId), blueprintName: name(e.blueprintId) };
}

/** The filtered trail as a file, written a page at a time (never the whole trail in memory). */
async function* exportFile(audit: AuditLog, filter: AuditFilter, format: 'csv' | 'json'): AsyncGenerator<string> {
  let first = true;
  if (format === 'csv') yield csvLine([...CSV_COLUMNS]);
  else yield '[';
  for await (const page of audit.scan(filter, AUDIT_EXPORT_MAX_ROWS)) {
    const names = await audit.names(page);
    let chunk = '';
    for (const e of page) {
      const row = withNames(e, names);
      if (format === 'csv') chunk += csvLine(CSV_COLUMNS.map((c) => (c === 'actor' ? actorText(e) : row[c])));
      else chunk += `${first ? '\n' : ',\n'}${JSON.stringify(row)}`;
      first = false;
    }
    yield chunk;
  }
  if (format === 'json') yield '\n]\n';
}

const filterOf = (q: AuditFilter): AuditFilter => {
  const { actor, action, targetType, target, from, to } = q;
  return Object.fromEntries(Object.entries({ actor, action, targetType, target, from, to }).filter(([, v]) => v !== undefined));
};

const activityQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).optional(),
  workspaceId: z.string().max(64).optional(),
  action: workspaceActivityActionSchema.optional(),
});

export const auditRoutes = [
  route({
    method: 'GET', url: '/api/v1/audit', access: 'auditor',
    summary: 'The audit trail, newest first (page with ?before=<id>); filtered by ?actor= (id, or text of an email or name), ?action= (one, or a family like workspace.*), ?targetType=, ?target= (id, or text of a name), ?from=&to= (ISO times); `names` gives the names of the people, blueprints and workspaces it names by id',
    query: auditListQuerySchema, response: auditPageSchema,
    handler: async ({ query, services }) => {
      const entries = await services.audit.list(query);
      const last = entries.at(-1);
      return { entries, nextBefore: entries.length === query.limit && last ? last.id : null, names: await services.audit.names(entries) };
    },
  }),
  route({
    method: 'GET', url: '/api/v1/audit/export', access: 'auditor',
    summary: `The filtered audit trail as a file to download (?format=csv|json, the same filters as GET /api/v1/audit), newest first, with names, at most ${AUDIT_EXPORT_MAX_ROWS} rows; CSV cells are guarded against spreadsheet formulas. The export itself is audited`,
    query: auditExportQuerySchema, response: 'file',
    handler: async ({ query, actor, reply, services }) => {
      const filter = filterOf(query);
      // Who took a copy of the trail, and of which part, is itself on the record.
      await services.audit.append({ actor, action: 'audit.export', outcome: 'success', detail: { format: query.format, filter } });
      const stamp = services.clock.now().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      return reply
        .type(query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-log-${stamp}.${query.format}"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(exportFile(services.audit, filter, query.format)));
    },
  }),
  route({
    method: 'GET', url: '/api/v1/audit/activity', access: 'auditor',
    summary: 'Use of workspaces (terminals attached, preview links, AI prompts), newest first; kept apart from the audit trail',
    query: activityQuery, response: workspaceActivityPageSchema,
    handler: async ({ query, services }) => {
      const entries = await services.activity.list(query);
      const last = entries.at(-1);
      return { entries, nextBefore: entries.length === query.limit && last ? last.id : null };
    },
  }),
  route({
    method: 'GET', url: '/api/v1/audit/verify', access: 'auditor', summary: 'Checks the hash chain; names the first edited or deleted row',
    response: auditVerifySchema,
    handler: async ({ services }) => services.audit.verify(),
  }),
];
