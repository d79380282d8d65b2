import { z } from 'zod';
import { wellFormedString } from './strings.js';

/**
 * The AI chat API (/api/v1/workspaces/:id/ai/...): a narrow, allow-listed view
 * of OpenCode's server API inside the workspace. Sessions, messages and events
 * are OpenCode's own shapes, passed through; only what the portal adds is here.
 */

/** The scripted demo model's id (packages/model-sim); the UI labels it as a demo. */
export const DEMO_MODEL_ID = 'paddock-demo-model';

/** The AI session ids OpenCode hands out. */
export const aiSessionIdSchema = wellFormedString().regex(/^ses_[A-Za-z0-9]{1,64}$/, 'an AI session id looks like ses_…');

export const aiPromptRequestSchema = z.object({
  text: wellFormedString().trim().min(1, 'say something').max(100_000),
});
export type AiPromptRequest = z.infer<typeof aiPromptRequestSchema>;

export const aiCreateSessionRequestSchema = z.object({
  title: wellFormedString().trim().min(1).max(200).optional(),
});

/** A prompt taken: the reply comes over the event stream. */
export const aiPromptAcceptedSchema = z.object({ accepted: z.literal(true) });
/** The reply under way was stopped (or none was). */
export const aiAbortedSchema = z.object({ aborted: z.literal(true) });

export const aiModelSchema = z.object({
  /** provider/model, as the workspace's OpenCode is configured; null when it has none. */
  model: z.string().nullable(),
  /** True for the scripted demo model: replies are canned, not AI. */
  demo: z.boolean(),
});
export type AiModel = z.infer<typeof aiModelSchema>;

export function isDemoModel(model: string | null | undefined): boolean {
  return !!model && (model === DEMO_MODEL_ID || model.endsWith(`/${DEMO_MODEL_ID}`));
}
