import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
  /** The response's headers (httpRequest only). */
  headers?: IncomingHttpHeaders;
}

/**
 * One HTTP request with the target sent byte for byte as given (fetch would
 * normalise `%2e%2e`, refuse some methods and re-encode others). Event streams
 * answer with their status only: they never end.
 */
export function httpRequest(port: number, opts: { method: string; target: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers = { connection: 'close', ...opts.headers, ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}) };
    const req = request({ host: '127.0.0.1', port, method: opts.method, path: opts.target, headers, agent: false }, (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      if (contentType.startsWith('text/event-stream')) {
        res.destroy();
        return resolve({ status: res.statusCode ?? 0, contentType, text: '' });
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer to ${opts.method} ${opts.target.slice(0, 200)}`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * Writes raw bytes on a fresh connection and reads until the server closes it:
 * for what no HTTP client would send (a broken request line, oversized headers,
 * an unknown method). The answer is split into status, content type and body.
 */
export function rawExchange(port: number, bytes: string | Buffer): Promise<RawResponse & { raw: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.setTimeout(60_000, () => socket.destroy(new Error('the server neither answered nor closed the connection')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    // The server may reset the connection after answering, while we are still writing.
    socket.on('error', (err) => (chunks.length ? undefined : reject(err)));
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = raw.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const contentType = /^content-type:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? '';
      resolve({ status, contentType, text: rest.join('\r\n\r\n'), raw });
    });
  });
}
