import { request } from 'node:http';
import type { TestStack } from './testStack.js';

/** A request to the portal with a preview Host header (Node can't resolve *.localhost itself). */
export function previewGet(stack: TestStack, host: string, path: string, cookie?: string): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port: stack.portal.port, path, headers: { host, ...(cookie ? { cookie } : {}) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    r.on('error', reject);
    r.end();
  });
}

/** Redeems a preview link outside the browser; returns the cookie pair it set. */
export async function redeem(stack: TestStack, url: string): Promise<{ status: number; cookie: string | undefined; setCookie: string | undefined }> {
  const u = new URL(url);
  const res = await previewGet(stack, u.host, `${u.pathname}${u.search}`);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0];
  return { status: res.status, cookie: setCookie?.split(';')[0], setCookie };
}
