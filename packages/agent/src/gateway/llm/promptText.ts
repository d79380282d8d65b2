/**
 * The text a Messages request sends the model (system prompt, every message's
 * text, tool inputs and results), for the content filters, without JSON's
 * escaping (a private key's line breaks are line breaks again). Images and
 * documents sent as base64 are left out: they are no text a filter reads.
 */
export function promptText(body: unknown): string {
  const parts: string[] = [];
  let size = 0;
  const visit = (value: unknown, depth: number): void => {
    if (depth > 64 || size > maxChars) return;
    if (typeof value === 'string') {
      parts.push(value);
      size += value.length;
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
    } else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (record.type === 'base64' && typeof record.data === 'string') return;
      for (const [key, item] of Object.entries(record)) if (!skippedKeys.has(key)) visit(item, depth + 1);
    }
  };
  if (body && typeof body === 'object') {
    const request = body as Record<string, unknown>;
    visit(request.system, 0);
    visit(request.messages, 0);
  }
  return parts.join('\n');
}

/** Structure, not text: the block's kind, ids, who speaks. */
const skippedKeys = new Set(['type', 'id', 'tool_use_id', 'role', 'media_type', 'cache_control']);

/** A prompt is scanned up to this many characters (the request itself is capped at 32 MiB). */
const maxChars = 8 * 1024 * 1024;
