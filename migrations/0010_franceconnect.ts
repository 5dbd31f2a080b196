import { type Kysely, sql } from 'kysely';

/**
 * FranceConnect (issue 16): the logins through FranceConnect (state, nonce, the identity it returned and
 * the ID token kept for its logout), the FranceConnect identities linked to accounts, and a third
 * `registry_flows` type for the first-time linking by phone, SMS code and birth dates.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Other branches may have widened this check too: keep every value it allows, add ours.
  const { rows } = await sql<{ def: string }>`
    select pg_get_constraintdef(oid) as def from pg_constraint
    where conrelid = 'registry_flows'::regclass and conname = 'registry_flows_type_check'`.execute(db);
  const types = new Set([...(rows[0]?.def ?? '').matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!));
  for (const type of ['activation', 'binding', 'franceconnect']) types.add(type);
  const list = sql.join([...types].map((type) => sql.lit(type)));
  await sql`alter table registry_flows drop constraint if exists registry_flows_type_check`.execute(db);
  await sql`alter table registry_flows add constraint registry_flows_type_check check (type in (${list}))`.execute(
    db,
  );

  await db.schema
    .createTable('franceconnect_logins')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('interaction_uid', 'text', (c) => c.notNull())
    // SHA-256 of the state sent to FranceConnect: the callback finds its login by it, once.
    .addColumn('state_hash', 'text', (c) => c.notNull().unique())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('consumed_at', 'timestamptz')
    .addColumn('sub', 'text')
    .addColumn('given_name', 'text')
    .addColumn('family_name', 'text')
    .addColumn('birthdate', 'text')
    // Kept for FranceConnect's logout (id_token_hint) while our session lasts.
    .addColumn('id_token', 'text')
    .addColumn('account_id', 'uuid', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('logout_state_hash', 'text', (c) => c.unique())
    .addColumn('logout_return', 'text')
    .execute();
  await db.schema
    .createIndex('franceconnect_logins_interaction')
    .on('franceconnect_logins')
    .column('interaction_uid')
    .execute();
  await db.schema
    .createIndex('franceconnect_logins_expiry')
    .on('franceconnect_logins')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('franceconnect_links')
    // FranceConnect's pairwise `sub` for this service: the same person always has the same one.
    .addColumn('sub', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_login_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('franceconnect_links_account')
    .on('franceconnect_links')
    .column('account_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('franceconnect_links').ifExists().execute();
  await db.schema.dropTable('franceconnect_logins').ifExists().execute();
  await sql`delete from registry_flows where type = 'franceconnect'`.execute(db);
}
