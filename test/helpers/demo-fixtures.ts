import type { Db } from '../../src/db/database.js';

export interface DemoPupil {
  givenName: string;
  familyName: string;
  establishmentName: string;
  establishmentUai: string;
}

/** A demo pupil account and the establishment the demo registry binds it to. */
export async function demoPupil(db: Db, identifier: string): Promise<DemoPupil> {
  const row = await db
    .selectFrom('accounts')
    .innerJoin('pupils', 'pupils.account_id', 'accounts.id')
    .innerJoin('establishments', 'establishments.uai', 'pupils.establishment_uai')
    .select(['accounts.given_name', 'accounts.family_name', 'establishments.name', 'establishments.uai'])
    .where('accounts.identifier', '=', identifier)
    .executeTakeFirstOrThrow(() => new Error(`demo pupil ${identifier} is not bound to an establishment`));
  return {
    givenName: row.given_name,
    familyName: row.family_name,
    establishmentName: row.name,
    establishmentUai: row.uai,
  };
}
