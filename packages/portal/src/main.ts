import { configFromEnv } from './config.js';
import { startPortal } from './app.js';
import { createLogger } from './logger.js';

/** `node packages/portal/dist/main.js`: runs a portal from the environment's settings. */
const config = configFromEnv();
const log = createLogger(config.logLevel);
// A promise that rejects with nobody to catch it is a bug to log and fix, not a reason to stop
// serving everyone (Node's default ends the process). Thrown exceptions still end it: their state is unknown.
process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection (a bug); the portal keeps serving'));
const portal = await startPortal({ config, log });
log.info({ url: config.publicUrl, tunnelPort: portal.tunnelPort }, 'portal ready');
if (portal.bootstrap.admin) {
  // Printed once, on the first start, to the console only.
  const { email, generatedPassword } = portal.bootstrap.admin;
  process.stdout.write(`\n  Admin account created: ${email}\n${generatedPassword ? `  Password (shown once): ${generatedPassword}\n  Change it on the Account page; if it is lost, \`paddock admin reset-password ${email}\` makes a new one.\n` : ''}\n`);
}
let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'portal shutting down');
    portal.close().then(() => process.exit(0), () => process.exit(1));
  });
}
