import { type Kysely, sql } from 'kysely';

/**
 * Self-service flows (parent activation by SMS, binding of pupils at a later login), the outbox of
 * messages to send, and the per-number SMS counters.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  /** One row per flow, like Ory Kratos' flows: a type, an expiry, a state, attempt counters. */
  await db.schema
    .createTable('registry_flows')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('activation', 'binding')`))
    .addColumn('interaction_uid', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`state in ('pending', 'code_sent', 'code_verified', 'password_chosen', 'completed', 'failed')`,
        ),
    )
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('family_name', 'text')
    .addColumn('given_name', 'text')
    .addColumn('mobile', 'text')
    /** Registry representatives matched by name and phone; empty when nobody matched. */
    .addColumn('representative_ids', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    /** Set when the matched representative already has an account (the SMS carried the identifier). */
    .addColumn('existing_account_id', 'uuid')
    .addColumn('code_hmac', 'text')
    .addColumn('code_expires_at', 'timestamptz')
    .addColumn('code_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('code_consumed_at', 'timestamptz')
    .addColumn('sends', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_sent_at', 'timestamptz')
    .addColumn('password_hash', 'text')
    .addColumn('birth_date_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failure_reason', 'text')
    /** The account created (activation) or being completed (binding). */
    .addColumn('account_id', 'uuid', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('registry_flows_interaction')
    .on('registry_flows')
    .columns(['interaction_uid', 'created_at'])
    .execute();
  await db.schema
    .createIndex('registry_flows_account')
    .on('registry_flows')
    .columns(['account_id', 'type', 'state'])
    .execute();
  await db.schema
    .createIndex('registry_flows_expires_at')
    .on('registry_flows')
    .column('expires_at')
    .execute();

  /** Messages written in the same transaction as the state that causes them, delivered by the dispatcher. */
  await db.schema
    .createTable('outbox_messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('sms', 'email')`))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'sent', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    /** Next delivery attempt; also a lease while a dispatcher is delivering the message. */
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('outbox_messages_due')
    .on('outbox_messages')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema.createIndex('outbox_messages_created').on('outbox_messages').column('created_at').execute();

  /** SMS requests per phone number (HMAC, not the number) and hour: the hourly cap. */
  await db.schema
    .createTable('sms_send_counters')
    .addColumn('phone_key', 'text', (c) => c.notNull())
    .addColumn('window_start', 'timestamptz', (c) => c.notNull())
    .addColumn('sends', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('sms_send_counters_pk', ['phone_key', 'window_start'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['sms_send_counters', 'outbox_messages', 'registry_flows']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
