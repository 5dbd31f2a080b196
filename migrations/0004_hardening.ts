import { type Kysely, sql } from 'kysely';

/**
 * Hardening (issue 11, part B): message bodies sealed and erased once sent, client secrets sealed at
 * rest, birth-date failures counted per account and pupil across logins, sliding-window rate limits.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Bodies are now sealed (AES-256-GCM) and erased once the message is sent or given up. Bodies of
  // messages already delivered were kept in clear: erase them. Pending ones are still sent.
  await db.schema
    .alterTable('outbox_messages')
    .alterColumn('body', (c) => c.dropNotNull())
    .execute();
  await sql`update outbox_messages set body = null where status <> 'pending'`.execute(db);

  /** The client secret sealed with a key derived from SECRET_KEY; `metadata` no longer holds it. */
  await db.schema.alterTable('oidc_clients').addColumn('secret_sealed', 'text').execute();

  /** Wrong birth dates per account and pupil, across logins; `blocked_at` once the limit is reached. */
  await db.schema
    .createTable('pupil_binding_failures')
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('pupil_id', 'uuid', (c) => c.notNull().references('pupils.id').onDelete('cascade'))
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('blocked_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('pupil_binding_failures_pk', ['account_id', 'pupil_id'])
    .execute();

  /**
   * Sliding-window counters: the times of the recent hits of one key (a client address, a phone
   * number, a number and a name...), pruned at each hit. `expires_at`: when the row can be purged.
   */
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('hits', sql`timestamptz[]`, (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rate_limits_expires_at').on('rate_limits').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_limits').ifExists().execute();
  await db.schema.dropTable('pupil_binding_failures').ifExists().execute();
  await db.schema.alterTable('oidc_clients').dropColumn('secret_sealed').execute();
  await sql`update outbox_messages set body = '' where body is null`.execute(db);
  await db.schema
    .alterTable('outbox_messages')
    .alterColumn('body', (c) => c.setNotNull())
    .execute();
}
