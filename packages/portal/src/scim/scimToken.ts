import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UnauthenticatedError } from '../errors.js';
import { newSecret } from '../ids.js';
import type { Secrets } from '../secrets/secrets.js';

/** Where the token lives among the encrypted secrets. */
const SCOPE = 'scim';
const NAME = 'token';

/**
 * The one bearer token an identity provider uses for /scim/v2. It is kept
 * encrypted (not hashed) because the issue asks for it to be recoverable like
 * the other integration secrets; it is still shown only once.
 */
export class ScimToken {
  constructor(private readonly secrets: Secrets) {}

  /** Makes a new token, replacing any previous one at once. */
  async issue(): Promise<string> {
    const token = newSecret('pdscim');
    await this.secrets.put(SCOPE, NAME, token);
    return token;
  }

  /** Throws 401 unless the request carries the current SCIM token. */
  async authenticate(req: FastifyRequest): Promise<void> {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) throw new UnauthenticatedError('SCIM requests need "Authorization: Bearer <SCIM token>"');
    const current = await this.secrets.get(SCOPE, NAME);
    // Compare digests so neither length nor content leaks through timing.
    if (!current || !timingSafeEqual(digest(match[1]!), digest(current))) {
      throw new UnauthenticatedError('the SCIM token is not valid');
    }
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();
