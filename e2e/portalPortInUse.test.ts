import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFromEnv, createLogger, startPortal } from '@paddock/portal';
import { openTestDatabase, type TestDatabase } from '@paddock/portal/testing';
import { freePort } from './harness/freePort.js';

const listenOn = (port: number) => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(port, '127.0.0.1', () => resolve(s));
});

/**
 * A portal whose HTTP port is taken says so, and leaves nothing of itself running: its tunnel
 * listener (started before the HTTP one) is closed again, so its port can be taken at once.
 */
describe('a portal whose port is in use', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'paddock-port-in-use-'));
  let database: TestDatabase | undefined;
  afterAll(async () => {
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails with EADDRINUSE and closes the tunnel listener it had opened', async () => {
    database = await openTestDatabase();
    const taken = await listenOn(0);
    const tunnelPort = await freePort();
    try {
      const start = startPortal({
        config: {
          ...configFromEnv({ PADDOCK_PUBLIC_URL: 'http://127.0.0.1:8080' }),
          host: '127.0.0.1', port: (taken.address() as AddressInfo).port, tunnelPort, dataDir: join(dataDir, 'portal'), logLevel: 'info',
          ...(database.url ? { databaseUrl: database.url } : {}),
        },
        db: database.db,
        log: createLogger('silent'),
      });
      await expect(start).rejects.toMatchObject({ code: 'EADDRINUSE' });
      const tunnel = await listenOn(tunnelPort);
      tunnel.close();
    } finally {
      taken.close();
    }
  });
});
