import { z } from 'zod';
import { wellFormedString } from './strings.js';

/**
 * The code editor's file API. The workspace daemon serves it under /v1/files;
 * the portal forwards /api/v1/workspaces/:id/files… to it unchanged.
 * Every path is inside /workspace: relative to it, or absolute under it.
 *
 *   GET    /v1/files?path=            -> FileListing (directory; at most FILE_LIST_MAX_ENTRIES entries)
 *   GET    /v1/files/content?path=    -> FileContent (text, at most FILE_CONTENT_MAX_BYTES; binary -> 415)
 *   PUT    /v1/files/content?path=    body: the new content as text/plain
 *          If-Match: "<etag>"  -> 409 `conflict` when the file changed since that read
 *          If-None-Match: *    -> 409 `conflict` when the file already exists (create only)
 *          -> FileWritten; parents are created; the write is atomic (temp file + rename)
 *   DELETE /v1/files?path=            -> 204 (a directory with everything in it)
 *   POST   /v1/files/rename {from,to} -> 204; 409 when `to` exists
 */

export const FILE_CONTENT_MAX_BYTES = 2 * 1024 * 1024;
export const FILE_LIST_MAX_ENTRIES = 2000;

export const fileEntryTypeSchema = z.enum(['file', 'directory', 'symlink', 'other']);
export type FileEntryType = z.infer<typeof fileEntryTypeSchema>;

export const fileEntrySchema = z.object({
  name: z.string(),
  type: fileEntryTypeSchema,
  size: z.number().int(),
  mtime: z.string(),
});
export type FileEntry = z.infer<typeof fileEntrySchema>;

export const fileListingSchema = z.object({
  /** Relative to /workspace; '' is /workspace itself. */
  path: z.string(),
  entries: z.array(fileEntrySchema),
  truncated: z.boolean(),
});
export type FileListing = z.infer<typeof fileListingSchema>;

export const fileContentSchema = z.object({
  path: z.string(),
  content: z.string(),
  /** Opaque; send it back as If-Match to write only over this version. */
  etag: z.string(),
  size: z.number().int(),
  mtime: z.string(),
});
export type FileContent = z.infer<typeof fileContentSchema>;

export const fileWrittenSchema = fileContentSchema.omit({ content: true });
export type FileWritten = z.infer<typeof fileWrittenSchema>;

export const renameFileRequestSchema = z.object({
  from: wellFormedString().min(1).max(4096),
  to: wellFormedString().min(1).max(4096),
});
export type RenameFileRequest = z.infer<typeof renameFileRequestSchema>;

export const filePathQuerySchema = z.object({ path: wellFormedString().max(4096).default('') });
