import { join } from 'node:path';
import { AuditLog } from '../audit/auditLog.js';
import { Identity } from '../auth/identity.js';
import { PasswordResets } from '../auth/passwordResets.js';
import { systemClock } from '../clock.js';
import { configFromEnv, type PortalConfig } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { currentOperator } from '../auth/actor.js';
import { resetIpAllowlist } from '../ipAllowlist/ipAllowlist.js';
import { createLogger } from '../logger.js';
import { rewrapSecrets, rotateMasterKeyFile } from '../secrets/rotateMasterKey.js';

export const adminCommands = {
  'rotate-master-key': 'generate a new master key in the key file, re-wrap every secret, retire the old key',
  'rewrap-secrets': 're-wrap every secret under the current master key (after changing PADDOCK_MASTER_KEY)',
  'reset-ip-allowlist': 'clear the IP allowlist (break-glass; works on the database, audited as system)',
  'reset-password': 'EMAIL: give a member with a Paddock password a new generated one, printed once; ends their sessions (audited as operator)',
} as const;
export type AdminCommand = keyof typeof adminCommands;

export const isAdminCommand = (name: string | undefined): name is AdminCommand => !!name && Object.hasOwn(adminCommands, name);

/** The embedded database (PGlite) is one process's at a time: refuse while a portal has it open. */
async function refuseIfEmbeddedPortalRuns(config: PortalConfig): Promise<void> {
  if (config.databaseUrl) return;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const up = await fetch(`http://${host}:${config.port}/healthz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
  if (up) {
    throw new Error(`a portal is running on port ${config.port} with the embedded database, which only one process may open; `
      + 'stop it, run this command, and start it again (with PostgreSQL, this works while portals run)');
  }
}


/**
 * `paddock admin <command> [args]`: opens the database the way the portal does
 * (DATABASE_URL, else the PGlite under PADDOCK_DATA_DIR) and acts on it directly,
 * so it works when the portal is unreachable. Returns what to print.
 */
export async function runAdminCommand(
  command: AdminCommand, env: NodeJS.ProcessEnv = process.env, options: { db?: Database; args?: string[] } = {},
): Promise<string> {
  const args = options.args ?? [];
  // Checked before the database is opened: a typo shouldn't wait on it.
  if (command === 'reset-password' && (args.length !== 1 || !args[0]!.includes('@'))) {
    throw new Error('usage: paddock admin reset-password EMAIL');
  }
  const config = configFromEnv(env);
  if (!options.db) await refuseIfEmbeddedPortalRuns(config);
  const db = options.db ?? await openDatabase({ url: config.databaseUrl, pgliteDir: join(config.dataDir, 'pglite') });
  const clock = systemClock;
  const audit = new AuditLog(db, clock);
  const keyFile = join(config.dataDir, 'master.key');
  try {
    switch (command) {
      case 'rotate-master-key': {
        if (config.masterKey) {
          throw new Error('the master key comes from PADDOCK_MASTER_KEY: rotate it by setting the new key and PADDOCK_MASTER_KEY_PREVIOUS=<old>, '
            + 'running `paddock admin rewrap-secrets`, then removing PADDOCK_MASTER_KEY_PREVIOUS (docs/operations.md)');
        }
        const r = await rotateMasterKeyFile({ db, keyFile, clock, audit: { log: audit, by: currentOperator() } });
        return `master key rotated: now ${r.newKeyId}; ${r.rewrapped} secret(s) re-wrapped; retired ${r.retiredKeyIds.join(', ')}`;
      }
      case 'rewrap-secrets': {
        const r = await rewrapSecrets({ db, keys: { envKey: config.masterKey, envPrevious: config.masterKeyPrevious, keyFile }, clock, audit: { log: audit, by: currentOperator() } });
        const others = Object.entries(r.byKey).filter(([id]) => id !== r.keyId);
        return `${r.rewrapped} secret(s) re-wrapped under ${r.keyId}; `
          + (others.length ? `still under other keys: ${others.map(([id, n]) => `${id} (${n})`).join(', ')}` : 'no secret needs an older key any more');
      }
      case 'reset-ip-allowlist':
        await resetIpAllowlist({ db, clock, audit, log: createLogger('warn'), by: currentOperator() });
        return 'the IP allowlist is cleared: every address may connect (running portals pick this up within seconds)';
      case 'reset-password': {
        const email = args[0]!.trim().toLowerCase();
        const resets = new PasswordResets(db, clock, audit, new Identity(db, clock, audit));
        const r = await resets.generate(email, currentOperator());
        return `new password for ${email} (shown only now; they can change it on their Account page):\n\n  ${r.password}\n\n`
          + `${r.endedSessions} session(s) ended; their API tokens still work`;
      }
      default:
        throw new Error(`unknown admin command ${String(command satisfies never)}`);
    }
  } finally {
    if (!options.db) await db.destroy();
  }
}
