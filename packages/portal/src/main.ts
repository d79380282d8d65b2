import { configFromEnv } from './config.js';
import { startPortal } from './app.js';

/** `node packages/portal/dist/main.js`: runs a portal from the environment's settings. */
const config = configFromEnv();
const portal = await startPortal({ config });
const { log } = portal.services;
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
