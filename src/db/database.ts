import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  poolSize?: number;
  onIdleError?: (error: Error) => void;
}

// Dates stay strings (YYYY-MM-DD) on both dialects: a birth date has no time zone.
pg.types.setTypeParser(1082, (value: string) => value);

export async function openDatabase(options: DatabaseOptions): Promise<Db> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    // An idle connection dropped by the server (restart, failover) must not crash the process:
    // the pool replaces it on next use.
    pool.on('error', (error) => options.onIdleError?.(error));
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const { PGlite, types } = await import('@electric-sql/pglite');
  const directory = join(options.dataDir, 'pglite');
  mkdirSync(directory, { recursive: true });
  const pglite = new PGlite(directory, {
    parsers: { [types.DATE]: (value: string) => value },
  });
  await pglite.waitReady;
  return new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
}
