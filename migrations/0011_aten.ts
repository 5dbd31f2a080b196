import { type Kysely, sql } from 'kysely';

/**
 * The ATEN transition (seed 001): `aten_transitions` records which ATEN account created which
 * EduConnect account, its primary key making "one EduConnect account per ATEN account" hold under
 * races. The two `aten_directory_*` tables belong to the demo ATEN directory (src/demo/aten), the
 * stand-in for an académie's legacy directory: no EduConnect flow reads them, and they stay empty in
 * production, where the directory is the académie's own.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('aten_transitions')
    /** The ATEN user as the directory asserts it (CAS `user`). */
    .addColumn('aten_login', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'uuid', (c) =>
      c.notNull().unique().references('accounts.id').onDelete('cascade'),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('aten_directory_accounts')
    .addColumn('login', 'text', (c) => c.primaryKey())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('family_name', 'text', (c) => c.notNull())
    .addColumn('given_name', 'text', (c) => c.notNull())
    /** FrEduVecteur values, `profil|nom|prénom|eleveId|UAI`. */
    .addColumn('vectors', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  /** CAS service tickets: single use, 60 s, stored as a SHA-256 of the ticket. */
  await db.schema
    .createTable('aten_directory_tickets')
    .addColumn('ticket_hash', 'text', (c) => c.primaryKey())
    .addColumn('login', 'text', (c) =>
      c.notNull().references('aten_directory_accounts.login').onDelete('cascade'),
    )
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['aten_directory_tickets', 'aten_directory_accounts', 'aten_transitions'])
    await db.schema.dropTable(table).ifExists().execute();
}
