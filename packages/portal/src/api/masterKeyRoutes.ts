import { join } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import { rotateMasterKeyFile } from '../secrets/rotateMasterKey.js';
import { route } from './route.js';

export const masterKeyRoutes = [
  route({
    method: 'POST', url: '/api/v1/admin/master-key/rotate', access: 'admin',
    summary: 'Rotate the master key in the key file while the portal keeps serving: new key, every data key re-wrapped, old key retired',
    response: z.object({ newKeyId: z.string(), retiredKeyIds: z.array(z.string()), rewrapped: z.number() }),
    handler: async ({ actor, services }) => {
      const { config, db, clock, audit } = services;
      if (config.masterKey) {
        throw new ApiError(409, 'master_key_from_environment',
          'the master key comes from PADDOCK_MASTER_KEY: set the new key with PADDOCK_MASTER_KEY_PREVIOUS=<old>, run `paddock admin rewrap-secrets`, then drop the previous (docs/operations.md)');
      }
      const result = await rotateMasterKeyFile({ db, keyFile: join(config.dataDir, 'master.key'), clock, audit: { log: audit, by: actor } });
      await audit.append({
        actor, action: 'secrets.master_key.rotate', outcome: 'success',
        detail: { newKeyId: result.newKeyId, retiredKeyIds: result.retiredKeyIds, rewrapped: result.rewrapped },
      });
      return result;
    },
  }),
];
