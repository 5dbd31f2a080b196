import { type Kysely, sql } from 'kysely';

/** The school registry (SIECLE / ONDE exports) and the pupils bound to accounts. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('establishments')
    .addColumn('uai', 'text', (c) => c.primaryKey().check(sql`uai ~ '^[0-9]{7}[A-Z]$'`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('ecole', 'college', 'lycee')`))
    .addColumn('academie', 'text')
    .addColumn('town', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('pupils')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('registry_id', 'text', (c) => c.notNull().unique())
    .addColumn('family_name', 'text', (c) => c.notNull())
    .addColumn('given_name', 'text', (c) => c.notNull())
    .addColumn('birth_date', 'date', (c) => c.notNull())
    .addColumn('level', 'text')
    .addColumn('establishment_uai', 'text', (c) => c.notNull().references('establishments.uai'))
    .addColumn('account_id', 'uuid', (c) => c.unique().references('accounts.id').onDelete('set null'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('pupils_establishment').on('pupils').column('establishment_uai').execute();

  await db.schema
    .createTable('representatives')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('registry_id', 'text', (c) => c.notNull().unique())
    .addColumn('family_name', 'text', (c) => c.notNull())
    .addColumn('given_name', 'text', (c) => c.notNull())
    /** Folded "familyname givenname" for accent/case/hyphen-insensitive matching. */
    .addColumn('match_name', 'text', (c) => c.notNull())
    .addColumn('mobile', 'text')
    .addColumn('email', 'text')
    .addColumn('account_id', 'uuid', (c) => c.references('accounts.id').onDelete('set null'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('representatives_mobile')
    .on('representatives')
    .columns(['mobile', 'match_name'])
    .execute();
  await db.schema.createIndex('representatives_account').on('representatives').column('account_id').execute();

  await db.schema
    .createTable('pupil_representatives')
    .addColumn('pupil_id', 'uuid', (c) => c.notNull().references('pupils.id').onDelete('cascade'))
    .addColumn('representative_id', 'uuid', (c) =>
      c.notNull().references('representatives.id').onDelete('cascade'),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('pupil_representatives_pk', ['pupil_id', 'representative_id'])
    .execute();
  await db.schema
    .createIndex('pupil_representatives_representative')
    .on('pupil_representatives')
    .column('representative_id')
    .execute();

  /** Pupils a parent account confirmed by birth date ("rattachement"). */
  await db.schema
    .createTable('account_pupils')
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('pupil_id', 'uuid', (c) => c.notNull().references('pupils.id').onDelete('cascade'))
    .addColumn('bound_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('account_pupils_pk', ['account_id', 'pupil_id'])
    .execute();
  await db.schema.createIndex('account_pupils_pupil').on('account_pupils').column('pupil_id').execute();

  /** "Je ne suis pas le représentant légal de cet élève": a report for the school, never asked again. */
  await db.schema
    .createTable('pupil_link_reports')
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('pupil_id', 'uuid', (c) => c.notNull().references('pupils.id').onDelete('cascade'))
    .addColumn('representative_id', 'uuid', (c) => c.references('representatives.id').onDelete('set null'))
    .addColumn('reported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('pupil_link_reports_pk', ['account_id', 'pupil_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'pupil_link_reports',
    'account_pupils',
    'pupil_representatives',
    'representatives',
    'pupils',
    'establishments',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
