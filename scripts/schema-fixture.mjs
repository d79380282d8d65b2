// `npm run fixture:schema [-- VERSION]`: writes packages/portal/migrations/fixtures/NNNN.{sql,json},
// the fixture of the newest migration (or of VERSION), for the upgrade test. Run it once per released
// schema version, on the commit that has it as its newest migration, and commit the two files.
// Needs PostgreSQL's server and pg_dump: PADDOCK_TEST_PG_URL, or a throwaway cluster like `npm test` makes.
import { execFileSync } from 'node:child_process';
import { startThrowawayPostgres } from './lib/throwawayPostgres.mjs';

execFileSync('npx', ['tsc', '-b'], { stdio: 'inherit' });
const { makeSchemaFixture } = await import('../packages/portal/dist/db/fixtures/schemaFixture.js');
const version = process.argv[2] ? Number(process.argv[2]) : undefined;
const server = process.env.PADDOCK_TEST_PG_URL ? undefined : await startThrowawayPostgres();
try {
  const base = await makeSchemaFixture(process.env.PADDOCK_TEST_PG_URL ?? server.url, version);
  process.stdout.write(`wrote ${base}.sql and ${base}.json\n`);
} finally {
  server?.stop();
}
