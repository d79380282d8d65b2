import type { z } from 'zod';
import { ILL_FORMED_TEXT_MESSAGE, isWellFormedText } from '@paddock/protocol';
import { InputError } from '../errors.js';

/** Validates input at the edge; the message names each bad field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  checkWellFormed(value, what);
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const details = result.error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  throw new InputError(`invalid ${what}: ${details}`);
}

/**
 * Refuses NUL and lone surrogates in every string of a request part, object keys
 * included, whatever schema (if any) reads it later: the same test as the
 * protocol's wellFormedString(). Walks with its own stack, so a body nested
 * 100,000 deep is an answer, not a stack overflow.
 */
export function checkWellFormed(value: unknown, what: string): void {
  interface Node { value: unknown; key: string; parent: Node | undefined }
  const pathOf = (n: Node): string => {
    const keys: string[] = [];
    for (let at: Node | undefined = n; at?.parent; at = at.parent) keys.push(at.key);
    const path = keys.reverse().join('.');
    return path.length > 200 ? `…${path.slice(-200)}` : path;
  };
  const refuse = (n: Node, subject: string): never => {
    const path = pathOf(n);
    throw new InputError(`invalid ${what}: ${path ? `${path}: ` : ''}${subject} ${ILL_FORMED_TEXT_MESSAGE}`);
  };
  const pending: Node[] = [{ value, key: '', parent: undefined }];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (typeof node.value === 'string') {
      if (!isWellFormedText(node.value)) refuse(node, 'the value');
    } else if (node.value !== null && typeof node.value === 'object' && !ArrayBuffer.isView(node.value)) {
      for (const [key, child] of Object.entries(node.value)) {
        if (!isWellFormedText(key)) refuse(node, 'a field name');
        pending.push({ value: child, key, parent: node });
      }
    }
  }
}
