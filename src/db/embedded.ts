import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, sql } from 'kysely';
import type { DataDirLock } from './data-dir-lock.js';
import { PGliteDialect } from './pglite-dialect.js';
import { EmbeddedSession } from './pglite-session.js';
import { PGliteSocketServer } from './pglite-socket-server.js';
import type { Database } from './schema.js';

/**
 * The data directory holds password hashes, tokens, birth dates and phone numbers: owner only, whatever
 * the umask, including files an earlier version left readable.
 */
export function restrictDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Everything this process creates from now on (PGlite's files, keys, the socket) is owner-only.
  process.umask(0o077);
  const walk = (directory: string) => {
    chmodSync(directory, 0o700);
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) chmodSync(path, 0o600);
    }
  };
  walk(dataDir);
}

/**
 * Opens the embedded database of `dataDir`, whose lock the caller holds. A server also serves it on a
 * Unix socket (announced in the lock file) so that the CLI and psql use it without a second open.
 */
export async function openEmbedded(
  dataDir: string,
  lock: DataDirLock,
  serve: boolean,
  onError?: (error: Error) => void,
): Promise<{ db: Kysely<Database>; session: EmbeddedSession }> {
  restrictDataDir(dataDir);
  const { PGlite, types } = await import('@electric-sql/pglite');
  const directory = join(dataDir, 'pglite');
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const pglite = new PGlite(directory, {
    parsers: { [types.DATE]: (value: string) => value },
  });
  await pglite.waitReady;
  const session = new EmbeddedSession(pglite);
  let server: PGliteSocketServer | undefined;
  const close = async () => {
    await server?.stop();
    await pglite.close();
    lock.releaseSync();
  };
  try {
    if (serve) {
      server = new PGliteSocketServer(session, onError);
      const { socketDir, socketPort } = await server.start(dataDir);
      lock.announceSocket(socketDir, socketPort);
    }
  } catch (error) {
    await close();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(session, close) });
  // Kysely initialises its driver on first use and only destroys an initialised one: initialise it
  // now, so that destroy() always closes PGlite and gives the lock back.
  await sql`select 1`.execute(db);
  return { db, session };
}
