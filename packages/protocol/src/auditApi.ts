import { z } from 'zod';
import { dateTimeSchema, wellFormedString } from './strings.js';

/**
 * The audit log's filters (GET /api/v1/audit and its export), all optional and combined:
 * - actor: a user id, or text found in the actor's email or name (a person's or a part of Paddock's);
 * - action: one action (`workspace.start`), or a family with a trailing `*` (`workspace.*`);
 * - targetType: what kind of thing was acted on (`workspace`, `blueprint`, `user`…);
 * - target: a target id, or text found in the name of the user, blueprint or workspace acted on;
 * - from, to: the time range [from, to), ISO date-times with an offset.
 */
const auditFilterFields = z.object({
  actor: wellFormedString().trim().min(1).max(254).optional(),
  action: wellFormedString().trim().min(1).max(64).regex(/^[a-z0-9_.]+\*?$/i, 'an action is letters, digits, dots and underscores, optionally ending in *').optional(),
  targetType: wellFormedString().trim().min(1).max(64).optional(),
  target: wellFormedString().trim().min(1).max(254).optional(),
  from: dateTimeSchema.optional(),
  to: dateTimeSchema.optional(),
});
const fromBeforeTo = (f: { from?: string | undefined; to?: string | undefined }) => !f.from || !f.to || new Date(f.from) < new Date(f.to);
const FROM_BEFORE_TO = { message: 'from must be before to', path: ['to'] };
export const auditFilterSchema = auditFilterFields.refine(fromBeforeTo, FROM_BEFORE_TO);
export type AuditFilter = z.infer<typeof auditFilterSchema>;

/** GET /api/v1/audit: the filters, and a page of at most `limit` entries older than `before` (an entry id). */
export const auditListQuerySchema = auditFilterFields.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).optional(),
}).refine(fromBeforeTo, FROM_BEFORE_TO);

/** GET /api/v1/audit/export: the filters and the file's format. */
export const auditExportQuerySchema = auditFilterFields.extend({ format: z.enum(['csv', 'json']).default('csv') }).refine(fromBeforeTo, FROM_BEFORE_TO);


/** The most rows one export carries; a wider range is narrowed with the filters. */
export const AUDIT_EXPORT_MAX_ROWS = 100_000;
