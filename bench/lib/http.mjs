// What the HTTP benches share: a free loopback port, one GET, and an autocannon load with its figures.
import { request } from 'node:http';
import { createServer } from 'node:net';
import autocannon from 'autocannon';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

export function get(port, path, headers) {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path, headers }, (res) => { res.resume(); res.on('end', () => resolve(res)); });
    r.on('error', reject);
    r.end();
  });
}

/** autocannon at `url`; any non-2xx answer or error fails the bench rather than hide in the figures. */
export async function load(url, headers, { connections, durationS }) {
  const r = await autocannon({ url, headers, connections, duration: durationS, pipelining: 1 });
  if (r.non2xx || r.errors) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { reqPerSec: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, mbPerSec: r.throughput.average / 2 ** 20, requests: r.requests.total };
}
