import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { RegistryLine } from './csv.js';
import { matchName } from './matching.js';

export interface ImportSummary {
  lines: number;
  establishments: { total: number; created: number; updated: number };
  pupils: { total: number; created: number; updated: number; unlisted: number };
  representatives: { total: number; created: number; updated: number };
  links: { total: number; created: number; removed: number };
  /** Parent accounts' pupil bindings dropped with the links they came from. */
  bindingsRemoved: number;
}

interface Counted {
  inserted: boolean;
}

/**
 * Upserts rows given as parallel arrays with one `insert ... select from unnest(...)` statement:
 * one round trip per table whatever the number of lines. Only rows that really change are updated
 * (and returned), so a re-import of the same file reports nothing.
 */
async function bulkUpsert(
  db: Db,
  table: 'establishments' | 'pupils' | 'representatives',
  key: string,
  columns: { name: string; type: string; values: unknown[] }[],
): Promise<{ created: number; updated: number }> {
  if (columns[0]!.values.length === 0) return { created: 0, updated: 0 };
  const names = sql.join(columns.map((c) => sql.ref(c.name)));
  const arrays = sql.join(columns.map((c) => sql`${c.values}::${sql.raw(c.type)}[]`));
  const updated = columns.filter((c) => c.name !== key);
  const set = sql.join([
    ...updated.map((c) => sql`${sql.ref(c.name)} = excluded.${sql.ref(c.name)}`),
    sql`updated_at = now()`,
  ]);
  const current = sql.join(updated.map((c) => sql`t.${sql.ref(c.name)}`));
  const incoming = sql.join(updated.map((c) => sql`excluded.${sql.ref(c.name)}`));
  const result = await sql<Counted>`
    insert into ${sql.table(table)} as t (${names})
    select * from unnest(${arrays})
    on conflict (${sql.ref(key)}) do update set ${set}
    where (${current}) is distinct from (${incoming})
    returning (xmax = 0) as inserted`.execute(db);
  const created = result.rows.filter((r) => r.inserted).length;
  return { created, updated: result.rows.length - created };
}

/**
 * Writes validated registry lines in one transaction. For every establishment of the file, its pupils
 * and their representative links become exactly what the file says: links of pupils no longer listed
 * are removed (accounts are never deleted). `dryRun` computes the summary and rolls back.
 */
export async function importRegistry(
  db: Db,
  lines: RegistryLine[],
  options: { dryRun?: boolean } = {},
): Promise<ImportSummary> {
  const establishments = new Map<string, { name: string; kind: string }>();
  const pupils = new Map<string, RegistryLine['pupil'] & { uai: string }>();
  const representatives = new Map<string, NonNullable<RegistryLine['representative']>>();
  const wantedLinks: [string, string][] = [];
  for (const line of lines) {
    establishments.set(line.uai, { name: line.establishmentName, kind: line.establishmentKind });
    pupils.set(line.pupil.registryId, { ...line.pupil, uai: line.uai });
    if (line.representative) {
      representatives.set(line.representative.registryId, line.representative);
      wantedLinks.push([line.pupil.registryId, line.representative.registryId]);
    }
  }
  const uais = [...establishments.keys()];
  const pupilIds = [...pupils.keys()];
  const repIds = [...representatives.keys()];

  const rollback = new Error('dry run');
  let summary: ImportSummary | undefined;
  try {
    await db.transaction().execute(async (trx) => {
      const e = [...establishments.entries()];
      const est = await bulkUpsert(trx, 'establishments', 'uai', [
        { name: 'uai', type: 'text', values: e.map(([uai]) => uai) },
        { name: 'name', type: 'text', values: e.map(([, v]) => v.name) },
        { name: 'kind', type: 'text', values: e.map(([, v]) => v.kind) },
      ]);

      // Links as they were, for the pupils of these establishments and the pupils of the file
      // (a pupil may have moved from another establishment).
      const existing = await sql<{
        pupil_id: string;
        representative_id: string;
        pupil_registry_id: string;
        representative_registry_id: string;
      }>`
        select pr.pupil_id, pr.representative_id, p.registry_id as pupil_registry_id,
               r.registry_id as representative_registry_id
        from pupil_representatives pr
        join pupils p on p.id = pr.pupil_id
        join representatives r on r.id = pr.representative_id
        where p.establishment_uai = any(${uais}::text[])
           or p.registry_id in (select unnest(${pupilIds}::text[]))`.execute(trx);

      const unlisted = await sql<{ n: number }>`
        select count(*)::int as n from pupils
        where establishment_uai = any(${uais}::text[])
          and registry_id not in (select unnest(${pupilIds}::text[]))
          and exists (select 1 from pupil_representatives pr where pr.pupil_id = pupils.id)`.execute(trx);

      const p = [...pupils.values()];
      const pup = await bulkUpsert(trx, 'pupils', 'registry_id', [
        { name: 'registry_id', type: 'text', values: p.map((v) => v.registryId) },
        { name: 'family_name', type: 'text', values: p.map((v) => v.familyName) },
        { name: 'given_name', type: 'text', values: p.map((v) => v.givenName) },
        { name: 'birth_date', type: 'date', values: p.map((v) => v.birthDate) },
        { name: 'level', type: 'text', values: p.map((v) => v.level) },
        { name: 'establishment_uai', type: 'text', values: p.map((v) => v.uai) },
      ]);
      const r = [...representatives.values()];
      const rep = await bulkUpsert(trx, 'representatives', 'registry_id', [
        { name: 'registry_id', type: 'text', values: r.map((v) => v.registryId) },
        { name: 'family_name', type: 'text', values: r.map((v) => v.familyName) },
        { name: 'given_name', type: 'text', values: r.map((v) => v.givenName) },
        { name: 'match_name', type: 'text', values: r.map((v) => matchName(v.familyName, v.givenName)) },
        { name: 'mobile', type: 'text', values: r.map((v) => v.mobile) },
        { name: 'email', type: 'text', values: r.map((v) => v.email) },
      ]);

      const wanted = new Set(wantedLinks.map(([pupil, resp]) => `${pupil}\u0000${resp}`));
      const had = new Set(
        existing.rows.map((row) => `${row.pupil_registry_id}\u0000${row.representative_registry_id}`),
      );
      const toRemove = existing.rows.filter(
        (row) => !wanted.has(`${row.pupil_registry_id}\u0000${row.representative_registry_id}`),
      );
      const toCreate = wantedLinks.filter(([pupil, resp]) => !had.has(`${pupil}\u0000${resp}`));

      let bindingsRemoved = 0;
      if (toRemove.length > 0) {
        const removedPupils = toRemove.map((row) => row.pupil_id);
        const removedReps = toRemove.map((row) => row.representative_id);
        await sql`
          delete from pupil_representatives pr
          using unnest(${removedPupils}::uuid[], ${removedReps}::uuid[]) as gone(pupil_id, representative_id)
          where pr.pupil_id = gone.pupil_id and pr.representative_id = gone.representative_id`.execute(trx);
        // A parent stays bound to a pupil only while the registry still links them.
        const dropped = await sql`
          delete from account_pupils ap
          using unnest(${removedPupils}::uuid[], ${removedReps}::uuid[]) as gone(pupil_id, representative_id)
          join representatives r on r.id = gone.representative_id
          where ap.pupil_id = gone.pupil_id and ap.account_id = r.account_id
            and not exists (
              select 1 from pupil_representatives pr2
              join representatives r2 on r2.id = pr2.representative_id
              where pr2.pupil_id = ap.pupil_id and r2.account_id = ap.account_id)`.execute(trx);
        bindingsRemoved = Number(dropped.numAffectedRows ?? 0);
      }
      if (toCreate.length > 0) {
        await sql`
          insert into pupil_representatives (pupil_id, representative_id)
          select p.id, r.id
          from unnest(${toCreate.map(([pupil]) => pupil)}::text[], ${toCreate.map(([, resp]) => resp)}::text[])
            as link(pupil_registry_id, representative_registry_id)
          join pupils p on p.registry_id = link.pupil_registry_id
          join representatives r on r.registry_id = link.representative_registry_id
          on conflict do nothing`.execute(trx);
      }

      summary = {
        lines: lines.length,
        establishments: { total: uais.length, ...est },
        pupils: { total: pupilIds.length, ...pup, unlisted: unlisted.rows[0]?.n ?? 0 },
        representatives: { total: repIds.length, ...rep },
        links: { total: wanted.size, created: toCreate.length, removed: toRemove.length },
        bindingsRemoved,
      };
      if (options.dryRun) throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
  return summary!;
}
