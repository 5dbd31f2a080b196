import { type Kysely, sql } from 'kysely';

/**
 * School-issued accounts and the school console: staff accounts (password + TOTP) bound to their
 * establishments, their sessions (tokens stored hashed), the notifications issued to pupils and to
 * parents without a mobile, the handling of « Je ne suis pas le représentant légal » reports and the
 * phone-mismatch requests.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('staff_accounts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('identifier', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    /** The TOTP secret, sealed with a key derived from SECRET_KEY (it must be read back to verify codes). */
    .addColumn('totp_secret_sealed', 'text', (c) => c.notNull())
    /** The last TOTP time step accepted: a code is never accepted twice. */
    .addColumn('totp_last_step', 'bigint')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_login_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('staff_establishments')
    .addColumn('staff_id', 'uuid', (c) => c.notNull().references('staff_accounts.id').onDelete('cascade'))
    .addColumn('uai', 'text', (c) => c.notNull().references('establishments.uai').onDelete('cascade'))
    .addPrimaryKeyConstraint('staff_establishments_pk', ['staff_id', 'uai'])
    .execute();

  await db.schema
    .createTable('staff_sessions')
    /** SHA-256 of the cookie's token: the table never holds a usable session. */
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('staff_id', 'uuid', (c) => c.notNull().references('staff_accounts.id').onDelete('cascade'))
    /** `password`: the second factor is still to be given; `active`: signed in. */
    .addColumn('stage', 'text', (c) => c.notNull().check(sql`stage in ('password', 'active')`))
    .addColumn('totp_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('staff_sessions_expiry').on('staff_sessions').column('expires_at').execute();

  /** The live notification of a school-issued account: reissuing replaces the row. */
  await db.schema
    .createTable('account_notifications')
    .addColumn('account_id', 'uuid', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('uai', 'text', (c) => c.notNull().references('establishments.uai').onDelete('cascade'))
    .addColumn('pupil_id', 'uuid', (c) => c.references('pupils.id').onDelete('set null'))
    .addColumn('representative_id', 'uuid', (c) => c.references('representatives.id').onDelete('set null'))
    .addColumn('issued_by', 'uuid', (c) => c.references('staff_accounts.id').onDelete('set null'))
    .addColumn('issued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('birth_date_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_at', 'timestamptz')
    /** Every first-login step done (birth date for a pupil, email confirmed for a parent). */
    .addColumn('completed_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('account_notifications_uai')
    .on('account_notifications')
    .column('uai')
    .execute();

  await db.schema
    .alterTable('pupil_link_reports')
    .addColumn('handled_at', 'timestamptz')
    .addColumn('handled_by', 'uuid', (c) => c.references('staff_accounts.id').onDelete('set null'))
    .execute();

  await db.schema
    .createTable('phone_change_requests')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('uai', 'text', (c) => c.notNull().references('establishments.uai').onDelete('cascade'))
    .addColumn('representative_id', 'uuid', (c) =>
      c.notNull().references('representatives.id').onDelete('cascade'),
    )
    .addColumn('pupil_id', 'uuid', (c) => c.notNull().references('pupils.id').onDelete('cascade'))
    .addColumn('family_name', 'text', (c) => c.notNull())
    .addColumn('given_name', 'text', (c) => c.notNull())
    .addColumn('mobile', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'accepted', 'rejected')`),
    )
    .addColumn('handled_by', 'uuid', (c) => c.references('staff_accounts.id').onDelete('set null'))
    .addColumn('handled_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('phone_change_requests_uai')
    .on('phone_change_requests')
    .columns(['uai', 'status'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('phone_change_requests').ifExists().execute();
  await db.schema.alterTable('pupil_link_reports').dropColumn('handled_by').execute();
  await db.schema.alterTable('pupil_link_reports').dropColumn('handled_at').execute();
  await db.schema.dropTable('account_notifications').ifExists().execute();
  await db.schema.dropTable('staff_sessions').ifExists().execute();
  await db.schema.dropTable('staff_establishments').ifExists().execute();
  await db.schema.dropTable('staff_accounts').ifExists().execute();
}
