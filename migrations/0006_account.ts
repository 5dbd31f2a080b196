import { type Kysely, sql } from 'kysely';

/**
 * « Mon compte » (issue 12): email confirmation links and changes of mobile number by SMS code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  /**
   * One row per confirmation link sent: the token is 32 random bytes, kept only as its SHA-256 (a
   * database reader cannot confirm an address); single use (`used_at`), valid until `expires_at`.
   */
  await db.schema
    .createTable('email_confirmations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('email_confirmations_account')
    .on('email_confirmations')
    .columns(['account_id', 'created_at'])
    .execute();

  /**
   * A new mobile number waiting for its SMS code (the activation's rules: HMACed 6-digit code bound
   * to this row, 5 tries, resends capped); the account's number changes only once it is verified.
   */
  await db.schema
    .createTable('phone_changes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('mobile', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) =>
      c.notNull().defaultTo('code_sent').check(sql`state in ('code_sent', 'completed', 'failed')`),
    )
    .addColumn('code_hmac', 'text', (c) => c.notNull())
    .addColumn('code_expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('code_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sends', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('last_sent_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('phone_changes_account')
    .on('phone_changes')
    .columns(['account_id', 'created_at'])
    .execute();

  /**
   * The sessions and grants of one account (ended after a password change, listed and withdrawn in
   * « Services connectés »): oidc_payloads has no account column, the provider keeps it in the payload.
   */
  await sql`create index oidc_payloads_account on oidc_payloads ((payload->>'accountId'), kind)
    where kind in ('Session', 'Grant')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists oidc_payloads_account`.execute(db);
  await db.schema.dropTable('phone_changes').ifExists().execute();
  await db.schema.dropTable('email_confirmations').ifExists().execute();
}
