import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { asDatabaseError } from './availability.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  poolSize?: number;
  /** PostgreSQL: wait at most this long for a connection (new or from the pool); 0 = forever. */
  databaseConnectTimeoutMs?: number;
  /** PostgreSQL: server-side `statement_timeout`; the client gives up 2 s later. 0 = none. */
  databaseStatementTimeoutMs?: number;
  /** A connection broke (server restart, failover...), idle or in use: the pool replaces it. */
  onConnectionError?: (error: Error) => void;
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
      if (name) return this.guarded(super.query({ name, text: config, values }, callback));
    }
    return this.guarded(super.query(config, values, callback));
  }

  /** Connection-class failures become DatabaseUnavailableError (a 503 page, not a 500). */
  private guarded<T>(result: T): T {
    if (!(result instanceof Promise)) return result;
    return result.catch((error: Error) => {
      // The reply may still come: this connection's protocol state is unknown, so it is closed
      // (the pool drops it and opens a new one).
      if (error?.message === 'Query read timeout')
        (this as unknown as PgInternals).connection?.stream?.destroy();
      throw asDatabaseError(error);
    }) as T;
  }
}

interface PgInternals {
  connection?: { stream?: { destroy(): void } };
}

/** A pool whose connection failures are typed (see PreparingClient.guarded). */
class GuardedPool extends pg.Pool {
  // biome-ignore lint/suspicious/noExplicitAny: pg's overloaded connect signature
  override connect(callback?: any): any {
    if (callback) return super.connect(callback);
    return super.connect().catch((error: unknown) => {
      throw asDatabaseError(error);
    });
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Db> {
  if (options.databaseUrl) {
    const statementTimeout = options.databaseStatementTimeoutMs ?? 0;
    const pool = new GuardedPool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      Client: PreparingClient,
      connectionTimeoutMillis: options.databaseConnectTimeoutMs ?? 0,
      // a server that vanished without closing the socket (network cut) is noticed
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      ...(statementTimeout > 0
        ? { statement_timeout: statementTimeout, query_timeout: statementTimeout + 2_000 }
        : {}),
    });
    // A connection dropped by the server (restart, failover) must not crash the process, whether it
    // is idle in the pool or in use by a request (pg emits 'error' on the client then): the request
    // fails with DatabaseUnavailableError and the pool replaces the connection on next use.
    pool.on('connect', (client) => client.on('error', (error) => options.onConnectionError?.(error)));
    pool.on('error', () => undefined); // an idle client's error: already reported by its own listener
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
