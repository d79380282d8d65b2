import type { z } from 'zod';
import { InputError } from '../errors.js';

/** Validates input at the edge; the message names each bad field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const details = result.error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  throw new InputError(`invalid ${what}: ${details}`);
}
