import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { asDatabaseError } from './availability.js';
import {
  DataDirLock,
  DataDirLockedError,
  type LockOwner,
  type LockRole,
  readLockOwner,
} from './data-dir-lock.js';
import { openEmbedded } from './embedded.js';
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
  /**
   * Embedded database only: who opens it. A `server` also serves it to the CLI and psql on a Unix socket
   * in DATA_DIR and waits a while for a CLI command that holds it; anyone else just takes the lock.
   */
  role?: LockRole;
  /** Told once when the embedded database is busy and we wait for it. */
  onLockWait?: (owner: LockOwner) => void;
}

/** How long a server or a CLI command waits for a CLI command that holds the embedded database. */
export const LOCK_WAIT_MS = 30_000;

type Unsubscribe = () => Promise<void>;
type Subscriber = (channel: string, listener: (payload: string) => void) => Promise<Unsubscribe>;
const subscribers = new WeakMap<Db, Subscriber>();

/**
 * LISTEN on `channel` of the database behind `db`: a dedicated connection on PostgreSQL (reconnected
 * when it drops), the shared session on the embedded database. Several server processes and the CLI
 * then see each other's changes (the clients' cache, for instance).
 */
export function subscribe(
  db: Db,
  channel: string,
  listener: (payload: string) => void,
): Promise<Unsubscribe> {
  const subscriber = subscribers.get(db);
  if (!subscriber) throw new Error('subscribe() needs a database opened by openDatabase()');
  return subscriber(channel, listener);
}

// Dates stay strings (YYYY-MM-DD) on both dialects: a birth date has no time zone.
pg.types.setTypeParser(1082, (value: string) => value);

const PREPARED_PER_CONNECTION = 500;

/** A pg client whose connection-class failures become DatabaseUnavailableError (a 503 page, not a 500). */
class GuardedClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's overloaded query signature
  override query(config: any, values?: any, callback?: any): any {
    return this.guarded(super.query(config, values, callback));
  }

  protected guarded<T>(result: T): T {
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

/**
 * A guarded client that prepares each distinct parameterised query once per connection (a named
 * statement), so PostgreSQL parses and plans the hot queries of the login and token paths once, not
 * on every request. Bounded: past the limit, new query texts run unprepared. Not used through the
 * embedded database's socket, a single session where two clients' statement names would collide.
 */
class PreparingClient extends GuardedClient {
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

interface PgInternals {
  connection?: { stream?: { destroy(): void } };
}

/** A pool whose connection failures are typed (see GuardedClient). */
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
  if (options.databaseUrl) return openPostgres({ connectionString: options.databaseUrl }, options, true);
  const role = options.role ?? 'cli';
  const lock =
    role === 'server'
      ? await DataDirLock.acquireWaiting(options.dataDir, role, LOCK_WAIT_MS, options.onLockWait)
      : DataDirLock.acquire(options.dataDir, role);
  try {
    const { db, session } = await openEmbedded(
      options.dataDir,
      lock,
      role === 'server',
      options.onConnectionError,
    );
    subscribers.set(db, (channel, listener) => session.listen(channel, (_, payload) => listener(payload)));
    return db;
  } catch (error) {
    lock.releaseSync();
    throw error;
  }
}

/**
 * The database as the CLI uses it: DATABASE_URL; else the embedded database through the socket of the
 * server running on DATA_DIR; else the embedded database opened directly (waiting while another CLI
 * command holds it). It is never opened by two processes.
 */
export async function openSharedDatabase(options: DatabaseOptions): Promise<Db> {
  if (options.databaseUrl) return openDatabase(options);
  const deadline = Date.now() + LOCK_WAIT_MS;
  let told = false;
  for (;;) {
    const owner = readLockOwner(options.dataDir);
    if (owner?.socketDir) {
      // One connection: the embedded database is a single session, named statements would collide.
      const config = {
        host: owner.socketDir,
        port: owner.socketPort,
        user: 'postgres',
        database: 'postgres',
      };
      const db = await openPostgres(config, { ...options, poolSize: 1 }, false);
      try {
        await sql`select 1`.execute(db);
        return db;
      } catch (error) {
        await db.destroy();
        if (readLockOwner(options.dataDir)?.socketDir) throw error; // the server is there and failed us
      }
    } else if (!owner) {
      try {
        return await openDatabase({ ...options, role: 'cli' });
      } catch (error) {
        if (!(error instanceof DataDirLockedError)) throw error;
      }
    } else if (Date.now() > deadline) {
      // A server still starting, or another CLI command: it has had its time.
      return openDatabase({ ...options, role: 'cli' });
    } else if (!told) {
      options.onLockWait?.(owner);
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function openPostgres(
  connection: pg.PoolConfig,
  options: DatabaseOptions,
  prepare: boolean,
): Promise<Db> {
  const statementTimeout = options.databaseStatementTimeoutMs ?? 0;
  const pool = new GuardedPool({
    ...connection,
    max: options.poolSize ?? 10,
    Client: prepare ? PreparingClient : GuardedClient,
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
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  subscribers.set(db, (channel, listener) =>
    listenOnPostgres(connection, channel, listener, options.onConnectionError),
  );
  return db;
}

/** A dedicated LISTEN connection, opened again (with a growing pause) whenever it drops. */
async function listenOnPostgres(
  connection: pg.PoolConfig,
  channel: string,
  listener: (payload: string) => void,
  onError?: (error: Error) => void,
): Promise<Unsubscribe> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retryMs = 100;
  const connect = async (): Promise<void> => {
    const next = new pg.Client(connection);
    next.on('notification', (message) => {
      if (message.channel === channel) listener(message.payload ?? '');
    });
    next.on('error', (error) => {
      onError?.(error);
      next.end().catch(() => {});
    });
    next.on('end', () => {
      if (client === next && !stopped) reconnect();
    });
    await next.connect();
    await next.query(`listen ${pg.escapeIdentifier(channel)}`);
    client = next;
    retryMs = 100;
    // Whatever changed while we were not listening: treat as changed.
    listener('');
  };
  const reconnect = () => {
    client = undefined;
    const timer = setTimeout(() => {
      connect().catch((error) => {
        onError?.(error as Error);
        retryMs = Math.min(retryMs * 2, 5_000);
        if (!stopped) reconnect();
      });
    }, retryMs);
    timer.unref();
  };
  await connect();
  return async () => {
    stopped = true;
    await client?.end().catch(() => {});
  };
}
