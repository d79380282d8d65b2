import { z } from 'zod';
import { reservedPortReason } from './daemon.js';

/** POST /api/v1/workspaces/:id/previews */
export const createPreviewRequestSchema = z.object({
  port: z.number().int().min(1024).max(65535).superRefine((port, ctx) => {
    const reason = reservedPortReason(port);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  }),
});
export type CreatePreviewRequest = z.infer<typeof createPreviewRequestSchema>;

/** A one-time sign-in link to the preview origin (works once, for about a minute). */
export const previewLinkSchema = z.object({ url: z.string(), expiresAt: z.string() });
export type PreviewLink = z.infer<typeof previewLinkSchema>;

export const previewPortSchema = z.object({
  port: z.number().int(),
  /** Something listens on it now. */
  listening: z.boolean(),
  /** Detected in the workspace, declared by the blueprint, or both. */
  sources: z.array(z.enum(['detected', 'blueprint'])),
});
export type PreviewPort = z.infer<typeof previewPortSchema>;

/** GET /api/v1/workspaces/:id/previews */
export const previewPortsSchema = z.object({ ports: z.array(previewPortSchema) });
export type PreviewPorts = z.infer<typeof previewPortsSchema>;
