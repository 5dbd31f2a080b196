import { type Kysely, sql } from 'kysely';

/**
 * « Identifiant oublié » and « Mot de passe oublié » (issue 13): one row per recovery attempt, like the
 * activation's `registry_flows` row, with its own table because it is keyed to an account rather than
 * to registry representatives.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('recovery_flows')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('identifier', 'password')`))
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('sms', 'email')`))
    .addColumn('interaction_uid', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sql`state in ('code_sent', 'code_verified', 'completed', 'failed')`),
    )
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    /** What the person typed, kept for the send limits of a resend (the same keys as the first send). */
    .addColumn('typed_name', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    /** The account that matched; null when nothing did (the flow then accepts no code). */
    .addColumn('account_id', 'uuid', (c) => c.references('accounts.id').onDelete('cascade'))
    /** HMAC of the SMS code, or of the email link's token, bound to the flow. */
    .addColumn('code_hmac', 'text')
    .addColumn('code_expires_at', 'timestamptz')
    .addColumn('code_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sends', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_sent_at', 'timestamptz')
    .addColumn('failure_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('recovery_flows_interaction')
    .on('recovery_flows')
    .columns(['interaction_uid', 'kind', 'created_at'])
    .execute();
  await db.schema
    .createIndex('recovery_flows_expires_at')
    .on('recovery_flows')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('recovery_flows').ifExists().execute();
}
