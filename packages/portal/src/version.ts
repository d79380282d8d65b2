import { readFileSync } from 'node:fs';

/** This portal's version (packages/portal/package.json; src/ and dist/ sit at the same depth under it). */
export const portalVersion: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
