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

const PREPARED_PER_CONNECTION = 500;

/**
 * A pg client that prepares each distinct parameterised query once per connection (a named
 * statement), so PostgreSQL parses and plans the hot queries of the login and token paths once, not
 * on every request. Bounded: past the limit, new query texts run unprepared.
 */
class PreparingClient extends pg.Client {
  private readonly names = new Map<string, string>();
  // biome-ignore lint/suspicious/noExplicitAny: pg's overloaded query signature
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0 && config.length < 4000) {
      let name = this.names.get(config);
      if (!name && this.names.size < PREPARED_PER_CONNECTION) {
        name = `k${this.names.size}`;
        this.names.set(config, name);
      }
      if (name) return super.query({ name, text: config, values }, callback);
    }
    return super.query(config, values, callback);
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Db> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      Client: PreparingClient,
    });
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
