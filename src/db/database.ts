import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
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
  onIdleError?: (error: Error) => void;
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
  if (options.databaseUrl) return openPostgres({ connectionString: options.databaseUrl }, options, true);
  const role = options.role ?? 'cli';
  const lock =
    role === 'server'
      ? await DataDirLock.acquireWaiting(options.dataDir, role, LOCK_WAIT_MS, options.onLockWait)
      : DataDirLock.acquire(options.dataDir, role);
  try {
    const { db, session } = await openEmbedded(options.dataDir, lock, role === 'server', options.onIdleError);
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
  const pool = new pg.Pool({
    ...connection,
    max: options.poolSize ?? 10,
    ...(prepare ? { Client: PreparingClient } : {}),
  });
  // An idle connection dropped by the server (restart, failover) must not crash the process:
  // the pool replaces it on next use.
  pool.on('error', (error) => options.onIdleError?.(error));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  subscribers.set(db, (channel, listener) =>
    listenOnPostgres(connection, channel, listener, options.onIdleError),
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
