import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { PhoneChangeStatus } from '../../db/schema.js';
import { foldName } from '../accounts/identifier.js';
import type { AuditLog } from '../audit/audit-log.js';
import { matchName } from '../registry/matching.js';

/**
 * « Signaler à l'établissement que mon numéro a changé »: a parent whose number no longer matches the
 * registry names themself and one child; when the registry links them, the request reaches the
 * establishment of that child. The requester learns nothing either way (same page, same answer).
 */
export interface PhoneChangeInput {
  familyName: string;
  givenName: string;
  /** E.164, already normalised. */
  mobile: string;
  pupilFamilyName: string;
  pupilGivenName: string;
  pupilBirthDate: string;
  ip: string;
}

/** Records one request per matching (representative, pupil) pair; returns how many (never shown). */
export async function submitPhoneChange(db: Db, audit: AuditLog, input: PhoneChangeInput): Promise<number> {
  const candidates = await db
    .selectFrom('pupils as p')
    .innerJoin('pupil_representatives as pr', 'pr.pupil_id', 'p.id')
    .innerJoin('representatives as r', 'r.id', 'pr.representative_id')
    .select([
      'p.id as pupil_id',
      'p.family_name',
      'p.given_name',
      'p.establishment_uai',
      'r.id as representative_id',
    ])
    .where('p.birth_date', '=', input.pupilBirthDate)
    .where('r.match_name', '=', matchName(input.familyName, input.givenName))
    .execute();
  const pupilName = `${foldName(input.pupilFamilyName)} ${foldName(input.pupilGivenName)}`;
  const matches = candidates.filter(
    (c) => `${foldName(c.family_name)} ${foldName(c.given_name)}` === pupilName,
  );
  if (matches.length === 0) return 0;
  await db.transaction().execute(async (trx) => {
    for (const match of matches) {
      // One pending request per representative row: a repeated request replaces the number asked for.
      await trx
        .deleteFrom('phone_change_requests')
        .where('representative_id', '=', match.representative_id)
        .where('status', '=', 'pending')
        .execute();
      await trx
        .insertInto('phone_change_requests')
        .values({
          uai: match.establishment_uai,
          representative_id: match.representative_id,
          pupil_id: match.pupil_id,
          family_name: input.familyName.trim(),
          given_name: input.givenName.trim(),
          mobile: input.mobile,
        })
        .execute();
    }
    await audit.record(
      { event: 'school.phone_change_requested', ip: input.ip, detail: { requests: matches.length } },
      trx,
    );
  });
  return matches.length;
}

export interface PhoneChangeRow {
  id: string;
  requester: string;
  mobile: string;
  knownMobile: string | null;
  pupil: string;
  birthDate: string;
  createdAt: Date;
  status: PhoneChangeStatus;
}

export async function phoneChangeRequests(db: Db, uai: string): Promise<PhoneChangeRow[]> {
  const rows = await db
    .selectFrom('phone_change_requests as q')
    .innerJoin('representatives as r', 'r.id', 'q.representative_id')
    .innerJoin('pupils as p', 'p.id', 'q.pupil_id')
    .select([
      'q.id',
      sql<string>`q.given_name || ' ' || q.family_name`.as('requester'),
      'q.mobile',
      'r.mobile as known_mobile',
      sql<string>`p.given_name || ' ' || p.family_name`.as('pupil'),
      sql<string>`to_char(p.birth_date, 'DD/MM/YYYY')`.as('birth_date'),
      'q.created_at',
      'q.status',
    ])
    .where('q.uai', '=', uai)
    .orderBy(sql`q.status <> 'pending'`)
    .orderBy('q.created_at', 'desc')
    .limit(500)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    requester: r.requester,
    mobile: r.mobile,
    knownMobile: r.known_mobile,
    pupil: r.pupil,
    birthDate: r.birth_date,
    createdAt: r.created_at,
    status: r.status,
  }));
}

/**
 * Applies (the registry row gets the new number, which then works for activation by SMS) or rejects a
 * pending request of this establishment; false when there is no such pending request.
 */
export async function decidePhoneChange(
  db: Db,
  audit: AuditLog,
  id: string,
  accept: boolean,
  by: { staffId: string | null; uai: string; ip?: string | null },
): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return false;
  return db.transaction().execute(async (trx) => {
    const request = await trx
      .updateTable('phone_change_requests')
      .set({ status: accept ? 'accepted' : 'rejected', handled_by: by.staffId, handled_at: sql`now()` })
      .where('id', '=', id)
      .where('uai', '=', by.uai)
      .where('status', '=', 'pending')
      .returning(['representative_id', 'mobile'])
      .executeTakeFirst();
    if (!request) return false;
    if (accept)
      await trx
        .updateTable('representatives')
        .set({ mobile: request.mobile, updated_at: sql`now()` })
        .where('id', '=', request.representative_id)
        .execute();
    await audit.record(
      {
        event: accept ? 'school.phone_change_accepted' : 'school.phone_change_rejected',
        ip: by.ip ?? null,
        detail: {
          staffId: by.staffId,
          uai: by.uai,
          requestId: id,
          representativeId: request.representative_id,
        },
      },
      trx,
    );
    return true;
  });
}
