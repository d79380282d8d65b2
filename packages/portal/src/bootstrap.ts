import { randomBytes } from 'node:crypto';
import type { CreateBlueprintRequest } from '@paddock/protocol';
import { BOOTSTRAP } from './auth/actor.js';
import type { PortalConfig } from './config.js';
import type { PortalServices } from './services.js';
import { DATA_APP_BLUEPRINT, REACT_VITE_BLUEPRINT, STATIC_SITE_BLUEPRINT, dataAppDemoToken } from './starterBlueprints.js';

export interface BootstrapResult {
  /** Set on the first start: who the admin is, and the password when we generated it. */
  admin?: { email: string; generatedPassword?: string };
}

export const STARTER_BLUEPRINT = {
  name: 'Starter',
  description: 'A general-purpose workspace with a shell, Node.js and git. Start here.',
  illustration: 'spark',
  suggestedPrompts: ['Build a page that says Hello Finance', 'What can you do?'],
} satisfies CreateBlueprintRequest;

/**
 * First start with an empty database: the admin (and their automation token, when
 * PADDOCK_ADMIN_TOKEN is set), the Starter blueprint and the starter templates. Later starts change nothing.
 */
export async function bootstrap(config: PortalConfig, services: Pick<PortalServices, 'db' | 'identity' | 'blueprints' | 'secrets'>): Promise<BootstrapResult> {
  const anyUser = await services.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (anyUser) return {};
  const generated = config.adminPassword ? undefined : randomBytes(18).toString('base64url');
  const admin = await services.identity.createUser(
    { email: config.adminEmail, name: 'Admin', role: 'admin', password: config.adminPassword ?? generated! },
    BOOTSTRAP,
  );
  if (config.adminToken) await services.identity.createToken(admin.id, 'bootstrap', config.adminToken);
  if (!(await services.db.selectFrom('blueprints').select('id').limit(1).executeTakeFirst())) {
    await services.blueprints.create(STARTER_BLUEPRINT, BOOTSTRAP);
    // Starter blueprints (packages/portal/src/starterBlueprints.ts): templates under packages/templates.
    await services.blueprints.create(STATIC_SITE_BLUEPRINT, BOOTSTRAP);
    await services.blueprints.create(REACT_VITE_BLUEPRINT, BOOTSTRAP);
    const dataApp = await services.blueprints.create(DATA_APP_BLUEPRINT, BOOTSTRAP);
    // How a data-source credential reaches a workspace: a blueprint secret, i.e. an environment variable.
    await services.secrets.put(`blueprint:${dataApp.id}`, 'DATA_SOURCE_TOKEN', dataAppDemoToken());
  }
  return { admin: { email: admin.email, ...(generated ? { generatedPassword: generated } : {}) } };
}
