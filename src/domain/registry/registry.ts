import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Account, EstablishmentKind } from '../../db/schema.js';
import type { AuditLog } from '../audit/audit-log.js';
import { matchName } from './matching.js';

export interface RepresentativeMatch {
  id: string;
  familyName: string;
  givenName: string;
  email: string | null;
  accountId: string | null;
}

/**
 * Registry representatives with this name and mobile who have at least one pupil: one row per
 * establishment registry that knows the person.
 */
export async function findRepresentatives(
  db: Db,
  identity: { familyName: string; givenName: string; mobile: string },
): Promise<RepresentativeMatch[]> {
  const rows = await db
    .selectFrom('representatives as r')
    .select(['r.id', 'r.family_name', 'r.given_name', 'r.email', 'r.account_id'])
    .where('r.mobile', '=', identity.mobile)
    .where('r.match_name', '=', matchName(identity.familyName, identity.givenName))
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('pupil_representatives as pr')
          .select('pr.pupil_id')
          .whereRef('pr.representative_id', '=', 'r.id'),
      ),
    )
    .orderBy('r.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    familyName: r.family_name,
    givenName: r.given_name,
    email: r.email,
    accountId: r.account_id,
  }));
}

export interface PupilChoice {
  id: string;
  registryId: string;
  familyName: string;
  givenName: string;
  birthDate: string;
  establishmentName: string;
  establishmentKind: EstablishmentKind;
  /** One representative row linking this pupil to the person (for the report). */
  representativeId: string;
}

/** The pupils linked to these representative rows, each once, in a stable order. */
export async function pupilsOfRepresentatives(db: Db, representativeIds: string[]): Promise<PupilChoice[]> {
  if (representativeIds.length === 0) return [];
  const rows = await db
    .selectFrom('pupil_representatives as pr')
    .innerJoin('pupils as p', 'p.id', 'pr.pupil_id')
    .innerJoin('establishments as e', 'e.uai', 'p.establishment_uai')
    .select([
      'p.id',
      'p.registry_id',
      'p.family_name',
      'p.given_name',
      'p.birth_date',
      'e.name as establishment_name',
      'e.kind as establishment_kind',
      sql<string>`min(pr.representative_id::text)`.as('representative_id'),
    ])
    .where('pr.representative_id', 'in', representativeIds)
    .groupBy(['p.id', 'e.uai'])
    .orderBy('p.birth_date')
    .orderBy('p.given_name')
    .orderBy('p.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    registryId: r.registry_id,
    familyName: r.family_name,
    givenName: r.given_name,
    birthDate: r.birth_date,
    establishmentName: r.establishment_name,
    establishmentKind: r.establishment_kind,
    representativeId: r.representative_id,
  }));
}

/**
 * The registry rows of an account's holder: those bound to it, and rows of other establishments with
 * the same name and mobile not yet bound to anyone (a child enrolled somewhere new).
 */
export async function representativesOfAccount(
  db: Db,
  account: Pick<Account, 'id' | 'phone' | 'family_name' | 'given_name'>,
): Promise<string[]> {
  const rows = await db
    .selectFrom('representatives')
    .select('id')
    .where((eb) =>
      eb.or([
        eb('account_id', '=', account.id),
        ...(account.phone
          ? [
              eb.and([
                eb('account_id', 'is', null),
                eb('mobile', '=', account.phone),
                eb('match_name', '=', matchName(account.family_name, account.given_name)),
              ]),
            ]
          : []),
      ]),
    )
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Pupils the registry links to this parent that are neither bound to the account nor reported. */
export async function unansweredPupils(
  db: Db,
  account: Pick<Account, 'id' | 'phone' | 'family_name' | 'given_name'>,
): Promise<PupilChoice[]> {
  const representativeIds = await representativesOfAccount(db, account);
  if (representativeIds.length === 0) return [];
  const pupils = await pupilsOfRepresentatives(db, representativeIds);
  if (pupils.length === 0) return [];
  const ids = pupils.map((p) => p.id);
  const [bound, reported] = await Promise.all([
    db
      .selectFrom('account_pupils')
      .select('pupil_id')
      .where('account_id', '=', account.id)
      .where('pupil_id', 'in', ids)
      .execute(),
    db
      .selectFrom('pupil_link_reports')
      .select('pupil_id')
      .where('account_id', '=', account.id)
      .where('pupil_id', 'in', ids)
      .execute(),
  ]);
  const answered = new Set([...bound, ...reported].map((r) => r.pupil_id));
  return pupils.filter((p) => !answered.has(p.id));
}

export interface PupilAnswers {
  accountId: string;
  /** The registry rows of the person, bound to the account by the answers. */
  representativeIds: string[];
  confirmed: PupilChoice[];
  reported: PupilChoice[];
  ip: string;
}

/**
 * Records the answers of "Je confirme mon lien avec les élèves" for an account, inside the caller's
 * transaction: bindings for the confirmed pupils, reports for the school for the others, the
 * representative rows bound to the account; then the audit events, `summary` (with the pupils bound
 * and the number of reports) and one `pupil.link_reported` per report.
 */
export async function recordPupilAnswers(
  trx: Db,
  audit: AuditLog,
  answers: PupilAnswers,
  summary: { event: string; detail?: Record<string, unknown> },
): Promise<void> {
  const { accountId, representativeIds, confirmed, reported, ip } = answers;
  if (representativeIds.length > 0) {
    await trx
      .updateTable('representatives')
      .set({ account_id: accountId })
      .where('id', 'in', representativeIds)
      .where('account_id', 'is', null)
      .execute();
  }
  if (confirmed.length > 0) {
    await trx
      .insertInto('account_pupils')
      .values(confirmed.map((p) => ({ account_id: accountId, pupil_id: p.id })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  if (reported.length > 0) {
    await trx
      .insertInto('pupil_link_reports')
      .values(
        reported.map((p) => ({
          account_id: accountId,
          pupil_id: p.id,
          representative_id: p.representativeId,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  await audit.record(
    {
      event: summary.event,
      accountId,
      ip,
      detail: { ...summary.detail, pupils: confirmed.map((p) => p.registryId), reports: reported.length },
    },
    trx,
  );
  for (const pupil of reported) {
    await audit.record(
      {
        event: 'pupil.link_reported',
        accountId,
        ip,
        detail: {
          pupilId: pupil.id,
          pupilRegistryId: pupil.registryId,
          representativeId: pupil.representativeId,
        },
      },
      trx,
    );
  }
}
