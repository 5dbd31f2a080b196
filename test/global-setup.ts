import { existsSync, mkdirSync, rmSync } from 'node:fs';
import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { loadOrCreateJwks } from '../src/oidc/keys.js';
import { PG_ADMIN_URL, PG_TEMPLATE_DB, PGLITE_TEMPLATE, pgUrlFor, TEST_JWKS, TMP } from './helpers/paths.js';

/**
 * Prepares, once per run, a migrated PGlite directory and a migrated PostgreSQL template database;
 * each test copies them instead of creating and migrating its own (seconds saved per test).
 */
export default async function setup() {
  mkdirSync(TMP, { recursive: true });
  rmSync(PGLITE_TEMPLATE, { recursive: true, force: true });
  const embedded = await openDatabase({ databaseUrl: undefined, dataDir: PGLITE_TEMPLATE });
  await migrateToLatest(embedded);
  await embedded.destroy();
  if (!existsSync(TEST_JWKS)) await loadOrCreateJwks(TEST_JWKS, true);

  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is required by the integration tests (${PG_ADMIN_URL}): ${(error as Error).message}. ` +
        'Start it, or set TEST_PG_URL.',
    );
  }
  // Leftovers of interrupted runs.
  const stale = await admin.query<{ datname: string }>(
    "select datname from pg_database where datname like 'educonnect_t_%'",
  );
  for (const { datname } of stale.rows)
    await admin.query(`drop database if exists "${datname}" with (force)`);
  await admin.query(`drop database if exists ${PG_TEMPLATE_DB} with (force)`);
  await admin.query(`create database ${PG_TEMPLATE_DB}`);
  const server = await openDatabase({ databaseUrl: pgUrlFor(PG_TEMPLATE_DB), dataDir: TMP });
  await migrateToLatest(server);
  await server.destroy();
  await admin.end();
}
