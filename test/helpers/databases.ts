import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { type Db, openDatabase } from '../../src/db/database.js';
import { PG_ADMIN_URL, pgliteTemplate, pgTemplateDb, pgUrlFor, runId, TMP } from './paths.js';

export type DatabaseKind = 'pglite' | 'postgres';
export const DATABASE_KINDS: DatabaseKind[] = ['pglite', 'postgres'];

export interface TestDatabase {
  kind: DatabaseKind;
  db: Db;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Closes the connection (e.g. before a CLI process opens the same PGlite directory), then opens it again. */
  release(): Promise<void>;
  reopen(): Promise<Db>;
  destroy(): Promise<void>;
}

/** A fresh, migrated database of the given kind, copied from the run's template. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const name = `educonnect_t_${runId()}_${randomBytes(5).toString('hex')}`;
  const dataDir = join(TMP, name);
  mkdirSync(dataDir, { recursive: true });
  if (kind === 'pglite') {
    cpSync(join(pgliteTemplate(), 'pglite'), join(dataDir, 'pglite'), { recursive: true });
    return withHandle(kind, dataDir, undefined, async () =>
      rmSync(dataDir, { recursive: true, force: true }),
    );
  }
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`create database ${name} template ${pgTemplateDb()}`);
      break;
    } catch (error) {
      // Two workers copying the template at the same instant: try again shortly.
      if (attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 300));
    }
  }
  await admin.end();
  return withHandle(kind, dataDir, pgUrlFor(name), async () => {
    const cleanup = new pg.Client({ connectionString: PG_ADMIN_URL });
    await cleanup.connect();
    await cleanup.query(`drop database if exists ${name} with (force)`);
    await cleanup.end();
    rmSync(dataDir, { recursive: true, force: true });
  });
}

async function withHandle(
  kind: DatabaseKind,
  dataDir: string,
  databaseUrl: string | undefined,
  remove: () => Promise<void>,
): Promise<TestDatabase> {
  let open = true;
  const database: TestDatabase = {
    kind,
    db: await openDatabase({ databaseUrl, dataDir }),
    dataDir,
    databaseUrl,
    async release() {
      if (open) await database.db.destroy();
      open = false;
    },
    async reopen() {
      if (!open) database.db = await openDatabase({ databaseUrl, dataDir });
      open = true;
      return database.db;
    },
    async destroy() {
      await database.release();
      await remove();
    },
  };
  return database;
}

/** Counts rows of a table: "nothing half-written" assertions. */
export async function countRows(db: Db, table: string): Promise<number> {
  const { sql } = await import('kysely');
  const result = await sql<{ n: string }>`select count(*)::text as n from ${sql.table(table)}`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}
