import { type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { migrations } from '../../migrations/index.js';
import type { Db } from './database.js';

class StaticMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    // Migrations run in one transaction; an index on a big table may take longer than the server's
    // statement_timeout (DATABASE_STATEMENT_TIMEOUT_MS), which is meant for requests.
    return Object.fromEntries(
      Object.entries(migrations).map(([name, migration]) => [
        name,
        {
          ...migration,
          async up(db) {
            await sql`set local statement_timeout = 0`.execute(db);
            await migration.up(db);
          },
        },
      ]),
    );
  }
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider() });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`La migration ${failed?.migrationName ?? ''} a échoué : ${(error as Error).message}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
