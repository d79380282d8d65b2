#!/usr/bin/env node
import { resolve } from 'node:path';
import { agentMain, portalMain, startEmbedded } from './embedded.js';

const usage = `Usage: paddock <command>

  start    the portal and a local agent on this machine (the embedded default)
  portal   only the portal (control plane)
  agent    only a runtime agent (dials a portal; see PADDOCK_PORTAL_TUNNEL)
  admin    operator commands: backup, restore, rotate-master-key, rewrap-secrets, reset-ip-allowlist, reset-password EMAIL

Settings come from the environment; see docs/operations.md.`;

const [command] = process.argv.slice(2);

function port(value: string | undefined, fallback: number): number {
  const n = value ? Number(value) : fallback;
  if (!Number.isInteger(n) || n <= 0 || n > 65535) {
    process.stderr.write(`not a port number: ${value}\n`);
    process.exit(2);
  }
  return n;
}

switch (command) {
  case 'start': {
    // This process only watches the portal and the agent: a stray rejection here must not orphan them.
    process.on('unhandledRejection', (reason) => {
      process.stderr.write(`\nunhandled promise rejection (a bug), still running: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
    });
    const embedded = await startEmbedded({
      dataDir: resolve(process.env.PADDOCK_DATA_DIR ?? './data'),
      port: port(process.env.PORT, 8080),
      tunnelPort: port(process.env.PADDOCK_TUNNEL_PORT, 8443),
      env: process.env,
    }).catch((err: Error) => {
      process.stderr.write(`\nPaddock could not start: ${err.message}\n`);
      process.exit(1);
    });
    process.stdout.write(`\n  Paddock is running at ${embedded.url}\n  Press Ctrl+C to stop (workspaces keep their files).\n\n`);
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      embedded.stop().then(() => process.exit(0), (err: unknown) => {
        process.stderr.write(`\nstopping Paddock failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    for (const child of [embedded.portal, embedded.agent]) {
      child.on('exit', (code) => {
        if (stopping) return;
        process.stderr.write(`\na Paddock process exited unexpectedly (code ${code}); stopping.\n`);
        stop();
      });
    }
    break;
  }
  case 'portal':
    await import(portalMain);
    break;
  case 'agent':
    await import(agentMain);
    break;
  case 'admin': {
    const { adminMain } = await import('./admin.js');
    process.exit(await adminMain(process.argv.slice(3)));
  }
  default:
    process.stdout.write(`${usage}\n`);
    process.exit(command && command !== 'help' && command !== '--help' ? 2 : 0);
}
