import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { loadOrCreateJwks } from '../src/oidc/keys.js';
import { PG_ADMIN_URL, pgliteTemplate, pgTemplateDb, pgUrlFor, TEST_JWKS, TMP } from './helpers/paths.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Prepares, once per run, a migrated PGlite directory and a migrated PostgreSQL template database;
 * each test copies them instead of creating and migrating its own (seconds saved per test).
 * Leftovers of earlier runs whose process is gone are removed; concurrent runs are left alone.
 */
export default async function setup() {
  process.env.EDUCONNECT_TEST_RUN = String(process.pid);
  mkdirSync(TMP, { recursive: true });
  for (const entry of readdirSync(TMP)) {
    const pid = Number(/^(?:pglite-template-|educonnect_t_)(\d+)/.exec(entry)?.[1]);
    if (pid && !alive(pid)) rmSync(join(TMP, entry), { recursive: true, force: true });
  }
  const template = pgliteTemplate();
  rmSync(template, { recursive: true, force: true });
  const embedded = await openDatabase({ databaseUrl: undefined, dataDir: template });
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
  const existing = await admin.query<{ datname: string }>(
    "select datname from pg_database where datname like 'educonnect_t%'",
  );
  for (const { datname } of existing.rows) {
    const pid = Number(/^educonnect_(?:t|tpl)_(\d+)/.exec(datname)?.[1]);
    if (!pid || !alive(pid)) await admin.query(`drop database if exists "${datname}" with (force)`);
  }
  const templateDb = pgTemplateDb();
  await admin.query(`drop database if exists ${templateDb} with (force)`);
  await admin.query(`create database ${templateDb}`);
  const server = await openDatabase({ databaseUrl: pgUrlFor(templateDb), dataDir: TMP });
  await migrateToLatest(server);
  await server.destroy();

  return async () => {
    await admin.query(`drop database if exists ${templateDb} with (force)`);
    await admin.end();
    rmSync(template, { recursive: true, force: true });
  };
}
