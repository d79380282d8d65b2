import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

/**
 * Small JSON-over-HTTP helpers for the agent's own servers (the policy bridge,
 * the version store's dial): a bounded body read, a zod parse into the one
 * error shape `{"error":{"code","message"}}`, and the answers.
 */
export type Read<T> = { ok: true; value: T } | { ok: false; status: number; message: string };

/** The body as JSON, refused past `maxBytes` before it is all read. */
export function readJson(req: IncomingMessage, maxBytes: number): Promise<Read<unknown>> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      req.resume();
      return resolve({ ok: false, status: 413, message: 'the request is too large' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        resolve({ ok: false, status: 413, message: 'the request is too large' });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => resolve({ ok: false, status: 400, message: 'the request could not be read' }));
    req.on('end', () => {
      try {
        resolve({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      } catch {
        resolve({ ok: false, status: 400, message: 'the body must be JSON' });
      }
    });
  });
}

export function parse<T>(schema: z.ZodType<T>, value: unknown): Read<T> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, status: 400, message: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}
