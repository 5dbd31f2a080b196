import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Account, Profile } from '../../db/schema.js';
import { generateTemporaryPassword, insertAccountWithIdentifier } from '../accounts/accounts.js';
import type { PasswordHasher } from '../accounts/password-hasher.js';
import type { AuditLog } from '../audit/audit-log.js';

/**
 * Notifications issued by an establishment: an account linked to the registry row (a pupil, or a
 * representative without a mobile), or that row's existing account, with a printed temporary
 * password valid `TEMPORARY_PASSWORD_DAYS`. Reissuing replaces the temporary password and restarts
 * the first-login steps.
 */
export type PersonKind = 'eleve' | 'representant';

export interface NotificationSheet {
  profile: Profile;
  givenName: string;
  familyName: string;
  identifier: string;
  temporaryPassword: string;
  expiresAt: Date;
  establishmentName: string;
  /** A pupil's level; a representative's children in this establishment. */
  level: string | null;
  children: string[];
}

export class NotificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotificationError';
  }
}

interface Target {
  rowId: string;
  profile: Profile;
  givenName: string;
  familyName: string;
  birthDate: string | null;
  level: string | null;
  accountId: string | null;
  children: string[];
}

async function targetsOf(db: Db, uai: string, kind: PersonKind, ids: string[]): Promise<Target[]> {
  if (ids.length === 0) return [];
  if (kind === 'eleve') {
    const rows = await db
      .selectFrom('pupils')
      .select(['id', 'given_name', 'family_name', 'birth_date', 'level', 'account_id'])
      .where('establishment_uai', '=', uai)
      .where('id', 'in', ids)
      .orderBy('family_name')
      .orderBy('given_name')
      .execute();
    return rows.map((r) => ({
      rowId: r.id,
      profile: 'eleve',
      givenName: r.given_name,
      familyName: r.family_name,
      birthDate: r.birth_date,
      level: r.level,
      accountId: r.account_id,
      children: [],
    }));
  }
  const rows = await db
    .selectFrom('representatives as r')
    .innerJoin('pupil_representatives as pr', 'pr.representative_id', 'r.id')
    .innerJoin('pupils as p', 'p.id', 'pr.pupil_id')
    .select([
      'r.id',
      'r.given_name',
      'r.family_name',
      'r.account_id',
      sql<string[]>`array_agg(p.given_name || ' ' || p.family_name order by p.given_name)`.as('children'),
    ])
    .where('p.establishment_uai', '=', uai)
    .where('r.id', 'in', ids)
    .groupBy(['r.id'])
    .orderBy('r.family_name')
    .orderBy('r.given_name')
    .execute();
  return rows.map((r) => ({
    rowId: r.id,
    profile: 'responsable_legal',
    givenName: r.given_name,
    familyName: r.family_name,
    birthDate: null,
    level: null,
    accountId: r.account_id,
    children: r.children,
  }));
}

/** Registry rows of an establishment in a level whose holder has no working account yet. */
export async function rowsToNotify(db: Db, uai: string, kind: PersonKind, level: string): Promise<string[]> {
  const activated = sql<boolean>`(x.account_id is not null and (n.account_id is null or n.completed_at is not null) and n.locked_at is null)`;
  if (kind === 'eleve') {
    const rows = await db
      .selectFrom('pupils as x')
      .leftJoin('account_notifications as n', 'n.account_id', 'x.account_id')
      .select('x.id')
      .where('x.establishment_uai', '=', uai)
      .where('x.level', '=', level)
      .where(sql<boolean>`not ${activated}`)
      .execute();
    return rows.map((r) => r.id);
  }
  const rows = await db
    .selectFrom('representatives as x')
    .innerJoin('pupil_representatives as pr', 'pr.representative_id', 'x.id')
    .innerJoin('pupils as p', 'p.id', 'pr.pupil_id')
    .leftJoin('account_notifications as n', 'n.account_id', 'x.account_id')
    .select('x.id')
    .distinct()
    .where('p.establishment_uai', '=', uai)
    .where('p.level', '=', level)
    .where(sql<boolean>`not ${activated}`)
    .execute();
  return rows.map((r) => r.id);
}

export interface IssueRequest {
  uai: string;
  kind: PersonKind;
  /** Registry row ids (pupils or representatives) of this establishment. */
  ids: string[];
  /** The staff member issuing (null: the CLI). */
  staffId: string | null;
  temporaryPasswordDays: number;
  ip?: string | null;
}

/**
 * Issues (or reissues) the notifications of registry rows, all in one transaction: accounts created
 * and linked to their rows, or existing ones given a new temporary password; one audit event each.
 * The temporary passwords exist only in the returned sheets.
 */
export async function issueNotifications(
  { db, hasher, audit }: { db: Db; hasher: PasswordHasher; audit: AuditLog },
  request: IssueRequest,
): Promise<NotificationSheet[]> {
  const establishment = await db
    .selectFrom('establishments')
    .select('name')
    .where('uai', '=', request.uai)
    .executeTakeFirst();
  if (!establishment) throw new NotificationError(`Établissement inconnu : ${request.uai}`);
  const ids = [...new Set(request.ids)].filter((id) => /^[0-9a-f-]{36}$/.test(id));
  const targets = await targetsOf(db, request.uai, request.kind, ids);
  if (targets.length === 0 || targets.length !== request.ids.length)
    throw new NotificationError(
      request.ids.length === 0
        ? 'Aucune personne à qui éditer une notification.'
        : "Une des personnes demandées n'appartient pas à cet établissement.",
    );
  // argon2id outside the transaction: a class of 35 hashes for seconds, the transaction stays short.
  const prepared = await Promise.all(
    targets.map(async (target) => {
      const temporaryPassword = generateTemporaryPassword();
      return { target, temporaryPassword, hash: await hasher.hash(temporaryPassword) };
    }),
  );
  const expiresAt = new Date(Date.now() + request.temporaryPasswordDays * 86_400_000);
  return db.transaction().execute(async (trx) => {
    const sheets: NotificationSheet[] = [];
    for (const { target, temporaryPassword, hash } of prepared) {
      const account = await accountFor(trx, target, hash, request.kind);
      await trx
        .insertInto('account_notifications')
        .values({
          account_id: account.id,
          uai: request.uai,
          pupil_id: request.kind === 'eleve' ? target.rowId : null,
          representative_id: request.kind === 'representant' ? target.rowId : null,
          issued_by: request.staffId,
          expires_at: expiresAt,
        })
        .onConflict((oc) =>
          oc.column('account_id').doUpdateSet({
            uai: request.uai,
            pupil_id: request.kind === 'eleve' ? target.rowId : null,
            representative_id: request.kind === 'representant' ? target.rowId : null,
            issued_by: request.staffId,
            issued_at: sql`now()`,
            expires_at: expiresAt,
            birth_date_failures: 0,
            locked_at: null,
            completed_at: null,
          }),
        )
        .execute();
      await audit.record(
        {
          event: 'school.notification_issued',
          accountId: account.id,
          ip: request.ip ?? null,
          detail: { staffId: request.staffId, uai: request.uai, kind: request.kind, rowId: target.rowId },
        },
        trx,
      );
      sheets.push({
        profile: target.profile,
        givenName: target.givenName,
        familyName: target.familyName,
        identifier: account.identifier,
        temporaryPassword,
        expiresAt,
        establishmentName: establishment.name,
        level: target.level,
        children: target.children,
      });
    }
    return sheets;
  });
}

/** The row's account with the new temporary password, created and linked to the row when there is none. */
async function accountFor(trx: Db, target: Target, hash: string, kind: PersonKind): Promise<Account> {
  if (target.accountId) {
    const account = await trx
      .updateTable('accounts')
      .set({ password_hash: hash, must_change_password: true, updated_at: sql`now()` })
      .where('id', '=', target.accountId)
      .returningAll()
      .executeTakeFirst();
    if (account) return account;
  }
  const account = await insertAccountWithIdentifier(trx, {
    profile: target.profile,
    given_name: target.givenName,
    family_name: target.familyName,
    birth_date: target.birthDate,
    password_hash: hash,
    must_change_password: true,
  });
  const table = kind === 'eleve' ? 'pupils' : 'representatives';
  const linked = await trx
    .updateTable(table)
    .set({ account_id: account.id })
    .where('id', '=', target.rowId)
    .where('account_id', 'is', null)
    .executeTakeFirst();
  // Someone else linked the row meanwhile (an activation by SMS): nothing of this batch is kept.
  if (Number(linked.numUpdatedRows) !== 1)
    throw new NotificationError(
      `${target.givenName} ${target.familyName} a obtenu un compte entre-temps : recommencez.`,
    );
  return account;
}

export type TemporaryPasswordState = 'usable' | 'expired' | 'locked' | 'none';

/**
 * What a login with a temporary password meets: an expired notification (never the generic login
 * error: the person holds the right password and must ask the school again), a locked one, or none.
 */
export async function temporaryPasswordState(db: Db, account: Account): Promise<TemporaryPasswordState> {
  const notification = await db
    .selectFrom('account_notifications')
    .select([sql<boolean>`expires_at < now()`.as('expired'), 'locked_at', 'completed_at'])
    .where('account_id', '=', account.id)
    .executeTakeFirst();
  if (!notification || notification.completed_at) return 'none';
  if (notification.locked_at) return 'locked';
  if (account.must_change_password && notification.expired) return 'expired';
  return 'usable';
}

export function pendingNotification(db: Db, accountId: string) {
  return db
    .selectFrom('account_notifications')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('completed_at', 'is', null)
    .executeTakeFirst();
}

export async function completeNotification(db: Db, audit: AuditLog, accountId: string, ip: string) {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('account_notifications')
      .set({ completed_at: sql`now()` })
      .where('account_id', '=', accountId)
      .where('completed_at', 'is', null)
      .execute();
    await audit.record({ event: 'school.first_login_completed', accountId, ip }, trx);
  });
}

export const MAX_PUPIL_BIRTH_DATE_FAILURES = 5;

export type BirthDateCheck =
  | { status: 'confirmed' }
  | { status: 'wrong'; triesLeft: number }
  | { status: 'locked' };

/**
 * A pupil's « Né(e) le » at first login, against the registry row the notification was issued for.
 * The 5th wrong date locks the notification until the school reissues one.
 */
export async function checkPupilBirthDate(
  db: Db,
  audit: AuditLog,
  account: Account,
  birthDate: string,
  ip: string,
): Promise<BirthDateCheck> {
  const notification = await pendingNotification(db, account.id);
  if (!notification || notification.locked_at) return { status: 'locked' };
  const pupil = await db
    .selectFrom('pupils')
    .select('birth_date')
    .where('account_id', '=', account.id)
    .executeTakeFirst();
  if (pupil && pupil.birth_date === birthDate) {
    await completeNotification(db, audit, account.id, ip);
    return { status: 'confirmed' };
  }
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('account_notifications')
      .set((eb) => ({
        birth_date_failures: eb('birth_date_failures', '+', 1),
        locked_at: sql`case when birth_date_failures + 1 >= ${MAX_PUPIL_BIRTH_DATE_FAILURES} then now() else null end`,
      }))
      .where('account_id', '=', account.id)
      .where('locked_at', 'is', null)
      .returning(['birth_date_failures', 'locked_at'])
      .executeTakeFirst();
    if (!row || row.locked_at) {
      await audit.record({ event: 'school.first_login_locked', accountId: account.id, ip }, trx);
      return { status: 'locked' };
    }
    return { status: 'wrong', triesLeft: MAX_PUPIL_BIRTH_DATE_FAILURES - row.birth_date_failures };
  });
}
