import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { type Db, openDatabase } from '../../src/db/database.js';
import { PG_ADMIN_URL, PG_TEMPLATE_DB, PGLITE_TEMPLATE, pgUrlFor, TMP } from './paths.js';

export type DatabaseKind = 'pglite' | 'postgres';
export const DATABASE_KINDS: DatabaseKind[] = ['pglite', 'postgres'];

export interface TestDatabase {
  kind: DatabaseKind;
  db: Db;
  dataDir: string;
  databaseUrl: string | undefined;
  destroy(): Promise<void>;
}

/** A fresh, migrated database of the given kind, copied from the run's template. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const name = `educonnect_t_${randomBytes(6).toString('hex')}`;
  const dataDir = join(TMP, name);
  mkdirSync(dataDir, { recursive: true });
  if (kind === 'pglite') {
    cpSync(join(PGLITE_TEMPLATE, 'pglite'), join(dataDir, 'pglite'), { recursive: true });
    const db = await openDatabase({ databaseUrl: undefined, dataDir });
    return {
      kind,
      db,
      dataDir,
      databaseUrl: undefined,
      async destroy() {
        await db.destroy();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`create database ${name} template ${PG_TEMPLATE_DB}`);
      break;
    } catch (error) {
      // Two workers copying the template at the same instant: try again shortly.
      if (attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 300));
    }
  }
  await admin.end();
  const databaseUrl = pgUrlFor(name);
  const db = await openDatabase({ databaseUrl, dataDir });
  return {
    kind,
    db,
    dataDir,
    databaseUrl,
    async destroy() {
      await db.destroy();
      const cleanup = new pg.Client({ connectionString: PG_ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Counts rows of a table: "nothing half-written" assertions. */
export async function countRows(db: Db, table: string): Promise<number> {
  const { sql } = await import('kysely');
  const result = await sql<{ n: string }>`select count(*)::text as n from ${sql.table(table)}`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}
