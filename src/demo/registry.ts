import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { parseRegistryCsv, REGISTRY_COLUMNS } from '../domain/registry/csv.js';
import { importRegistry } from '../domain/registry/import.js';

/**
 * The demo registry, as a school would export it (README "Demo parents"). Sophie Durand has children
 * in both establishments and no account yet: a newcomer activates her account by SMS.
 */
export const DEMO_REGISTRY_CSV = [
  REGISTRY_COLUMNS.join(';'),
  '0861234A;Collège Jean Moulin;C-0001;Martin;Lucas;14/03/2011;4EME;C-R001;Martin;Claire;06 12 34 56 01;claire.martin@example.fr',
  '0861234A;Collège Jean Moulin;C-0002;Durand;Léo;10/05/2012;5EME;C-R002;Durand;Sophie;06 12 34 56 78;',
  '0861234A;Collège Jean Moulin;C-0003;Lefèvre;Chloé;21/01/2013;6EME;C-R003;Lefèvre;Jean-Marc;0696 12 34 56;',
  '0861234A;Collège Jean Moulin;C-0004;Petit;Nathan;02/07/2011;4EME;C-R004;Petit;Karim;07 12 34 56 02;',
  '0861234A;Collège Jean Moulin;C-0005;Bernard;Manon;30/06/2012;5EME;;;;;',
  '0860034C;Lycée Camille Guérin;L-0001;Martin;Emma;05/09/2008;1ERE;L-R001;Martin;Claire;+33 6 12 34 56 01;claire.martin@example.fr',
  '0860034C;Lycée Camille Guérin;L-0002;Durand;Léa;21/09/2008;1ERE;L-R002;DURAND;Sophie;0612345678;',
  '0860034C;Lycée Camille Guérin;L-0003;Nguyen;Inès;02/11/2009;2NDE;L-R003;Nguyen;Thi;07 12 34 56 78;',
  '0860034C;Lycée Camille Guérin;L-0003;Nguyen;Inès;02/11/2009;2NDE;L-R004;Nguyen;Paul;06 98 76 54 32;',
].join('\n');

const ESTABLISHMENT_DETAILS: Record<string, { town: string; academie: string }> = {
  '0861234A': { town: 'Poitiers', academie: 'Poitiers' },
  '0860034C': { town: 'Poitiers', academie: 'Poitiers' },
};

/** Pupil accounts of the demo, and the demo parent already bound to her children. */
const PUPIL_ACCOUNTS: Record<string, string> = { 'l.martin45': 'C-0001', 'i.nguyen27': 'L-0003' };
const BOUND_PARENT = {
  identifier: 'c.martin12',
  mobile: '+33612345601',
  representatives: ['C-R001', 'L-R001'],
};

/** Idempotent: imports the demo registry and binds the demo accounts to it. */
export async function seedDemoRegistry(db: Db): Promise<void> {
  const parsed = parseRegistryCsv(DEMO_REGISTRY_CSV);
  if (parsed.errors.length > 0) throw new Error(`demo registry invalid: ${JSON.stringify(parsed.errors)}`);
  await importRegistry(db, parsed.lines);
  for (const [uai, details] of Object.entries(ESTABLISHMENT_DETAILS)) {
    await db.updateTable('establishments').set(details).where('uai', '=', uai).execute();
  }
  for (const [identifier, registryId] of Object.entries(PUPIL_ACCOUNTS)) {
    await sql`
      update pupils set account_id = a.id from accounts a
      where a.identifier = ${identifier} and pupils.registry_id = ${registryId} and pupils.account_id is null
        and not exists (select 1 from pupils p2 where p2.account_id = a.id)`.execute(db);
  }
  const parent = await db
    .selectFrom('accounts')
    .select('id')
    .where('identifier', '=', BOUND_PARENT.identifier)
    .executeTakeFirst();
  if (!parent) return;
  await db
    .updateTable('accounts')
    .set({ phone: BOUND_PARENT.mobile })
    .where('id', '=', parent.id)
    .where('phone', 'is', null)
    .execute();
  await db
    .updateTable('representatives')
    .set({ account_id: parent.id })
    .where('registry_id', 'in', BOUND_PARENT.representatives)
    .where('account_id', 'is', null)
    .execute();
  await sql`
    insert into account_pupils (account_id, pupil_id)
    select ${parent.id}::uuid, pr.pupil_id from pupil_representatives pr
    join representatives r on r.id = pr.representative_id
    where r.registry_id in (${sql.join(BOUND_PARENT.representatives)})
    on conflict do nothing`.execute(db);
}
