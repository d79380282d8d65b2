import { z } from 'zod';
import { wellFormedString } from './strings.js';

/** A secret's name: it becomes an environment variable of that name in the blueprint's workspaces. */
export const secretNameSchema = wellFormedString().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'a secret name is an environment variable name: A-Z, 0-9 and _, not starting with a digit, at most 64 characters');

export const SECRET_VALUE_MAX_BYTES = 64 * 1024;

export const putSecretRequestSchema = z.object({
  value: wellFormedString().refine((v) => new TextEncoder().encode(v).length <= SECRET_VALUE_MAX_BYTES, `a secret value is at most ${SECRET_VALUE_MAX_BYTES} bytes`),
});

/** What reads return: never the value. */
export const secretInfoSchema = z.object({ name: z.string(), masked: z.string(), updatedAt: z.string() });
export type SecretInfo = z.infer<typeof secretInfoSchema>;
export const secretListSchema = z.object({ secrets: z.array(secretInfoSchema) });
