import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { throttleKey } from '../accounts/throttle.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { PersonKind } from './notifications.js';

/**
 * What the school console reads and changes for one establishment: its pupils and representatives
 * with their account states, the statistics, the reports and the phone-mismatch requests. Every
 * query is scoped by the establishment's UAI, which the caller has checked the staff member may act on.
 */
export type AccountState = 'none' | 'issued' | 'expired' | 'activated' | 'locked';

export const ACCOUNT_STATE_LABELS: Record<AccountState, string> = {
  none: 'Pas de compte',
  issued: 'Notification éditée',
  expired: 'Notification expirée',
  activated: 'Compte activé',
  locked: 'Compte bloqué',
};

export interface PersonRow {
  id: string;
  familyName: string;
  givenName: string;
  /** Pupils: their level; representatives: the levels of their children here. */
  levels: string[];
  /** Pupils: birth date; representatives: their children's names. */
  detail: string;
  hasMobile: boolean;
  accountId: string | null;
  identifier: string | null;
  state: AccountState;
  expiresAt: Date | null;
}

const STATE = sql<AccountState>`case
  when x.account_id is null then 'none'
  when n.locked_at is not null or a.status = 'disabled' then 'locked'
  when n.account_id is not null and n.completed_at is null and a.must_change_password and n.expires_at < now() then 'expired'
  when n.account_id is not null and n.completed_at is null then 'issued'
  else 'activated' end`;

export interface PeopleFilter {
  level?: string;
  search?: string;
}

function searchPattern(search: string | undefined): string | undefined {
  const trimmed = search?.trim().toLowerCase();
  if (!trimmed) return undefined;
  return `%${trimmed.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Pupils or representatives of an establishment, by level and name, with their account state. */
export async function listPeople(
  db: Db,
  throttleSecret: Buffer,
  uai: string,
  kind: PersonKind,
  filter: PeopleFilter = {},
): Promise<PersonRow[]> {
  const pattern = searchPattern(filter.search);
  const rows =
    kind === 'eleve'
      ? await db
          .selectFrom('pupils as x')
          .leftJoin('accounts as a', 'a.id', 'x.account_id')
          .leftJoin('account_notifications as n', 'n.account_id', 'x.account_id')
          .select([
            'x.id',
            'x.family_name',
            'x.given_name',
            sql<string[]>`array[coalesce(x.level, '')]`.as('levels'),
            sql<string>`to_char(x.birth_date, 'DD/MM/YYYY')`.as('detail'),
            sql<boolean>`false`.as('has_mobile'),
            'x.account_id',
            'a.identifier',
            STATE.as('state'),
            'n.expires_at',
          ])
          .where('x.establishment_uai', '=', uai)
          .$if(Boolean(filter.level), (q) => q.where('x.level', '=', filter.level!))
          .$if(Boolean(pattern), (q) =>
            q.where(sql<boolean>`lower(x.family_name || ' ' || x.given_name) like ${pattern}`),
          )
          .orderBy('x.level')
          .orderBy('x.family_name')
          .orderBy('x.given_name')
          .limit(2000)
          .execute()
      : await db
          .selectFrom('representatives as x')
          .innerJoin('pupil_representatives as pr', 'pr.representative_id', 'x.id')
          .innerJoin('pupils as p', 'p.id', 'pr.pupil_id')
          .leftJoin('accounts as a', 'a.id', 'x.account_id')
          .leftJoin('account_notifications as n', 'n.account_id', 'x.account_id')
          .select([
            'x.id',
            'x.family_name',
            'x.given_name',
            sql<string[]>`array_agg(distinct coalesce(p.level, ''))`.as('levels'),
            sql<string>`string_agg(p.given_name || ' ' || p.family_name, ', ' order by p.given_name)`.as(
              'detail',
            ),
            sql<boolean>`x.mobile is not null`.as('has_mobile'),
            'x.account_id',
            'a.identifier',
            STATE.as('state'),
            'n.expires_at',
          ])
          .where('p.establishment_uai', '=', uai)
          .$if(Boolean(filter.level), (q) => q.where('p.level', '=', filter.level!))
          .$if(Boolean(pattern), (q) =>
            q.where(sql<boolean>`lower(x.family_name || ' ' || x.given_name) like ${pattern}`),
          )
          .groupBy(['x.id', 'a.id', 'n.account_id'])
          .orderBy('x.family_name')
          .orderBy('x.given_name')
          .limit(2000)
          .execute();
  const people = rows.map(
    (r): PersonRow => ({
      id: r.id,
      familyName: r.family_name,
      givenName: r.given_name,
      levels: r.levels.filter(Boolean),
      detail: r.detail,
      hasMobile: r.has_mobile,
      accountId: r.account_id,
      identifier: r.identifier,
      state: r.state,
      expiresAt: r.expires_at,
    }),
  );
  // A login throttle blocking an identifier counts as locked too: « Débloquer » releases it.
  const keys = new Map(
    people.filter((p) => p.identifier).map((p) => [throttleKey(throttleSecret, 'account', p.identifier!), p]),
  );
  if (keys.size > 0) {
    const blocked = await db
      .selectFrom('login_throttle')
      .select('key')
      .where('key', 'in', [...keys.keys()])
      .where('blocked_until', '>', sql<Date>`now()`)
      .execute();
    for (const { key } of blocked) keys.get(key)!.state = 'locked';
  }
  return people;
}

export async function levelsOf(db: Db, uai: string): Promise<string[]> {
  const rows = await db
    .selectFrom('pupils')
    .select('level')
    .distinct()
    .where('establishment_uai', '=', uai)
    .where('level', 'is not', null)
    .orderBy('level')
    .execute();
  return rows.map((r) => r.level!);
}

/** Accounts linked to registry rows of the establishment: one person, one level, or all. */
export async function accountsOf(
  db: Db,
  uai: string,
  scope: { kind: PersonKind; id?: string; level?: string },
): Promise<{ id: string; identifier: string }[]> {
  const query =
    scope.kind === 'eleve'
      ? db
          .selectFrom('pupils as x')
          .innerJoin('accounts as a', 'a.id', 'x.account_id')
          .select(['a.id', 'a.identifier'])
          .where('x.establishment_uai', '=', uai)
          .$if(Boolean(scope.id), (q) => q.where('x.id', '=', scope.id!))
          .$if(Boolean(scope.level), (q) => q.where('x.level', '=', scope.level!))
      : db
          .selectFrom('representatives as x')
          .innerJoin('accounts as a', 'a.id', 'x.account_id')
          .innerJoin('pupil_representatives as pr', 'pr.representative_id', 'x.id')
          .innerJoin('pupils as p', 'p.id', 'pr.pupil_id')
          .select(['a.id', 'a.identifier'])
          .distinct()
          .where('p.establishment_uai', '=', uai)
          .$if(Boolean(scope.id), (q) => q.where('x.id', '=', scope.id!))
          .$if(Boolean(scope.level), (q) => q.where('p.level', '=', scope.level!));
  return query.execute();
}

type Actor = { staffId: string | null; uai: string; ip?: string | null };

/** Applies `change` to these accounts and records one `event` per account, in one transaction. */
async function actOnAccounts(
  db: Db,
  audit: AuditLog,
  accounts: { id: string }[],
  by: Actor,
  event: string,
  change: (trx: Db) => Promise<unknown>,
): Promise<number> {
  if (accounts.length === 0) return 0;
  await db.transaction().execute(async (trx) => {
    await change(trx);
    for (const account of accounts)
      await audit.record(
        {
          event,
          accountId: account.id,
          ip: by.ip ?? null,
          detail: { staffId: by.staffId, uai: by.uai },
        },
        trx,
      );
  });
  return accounts.length;
}

/** « Débloquer »: releases the login throttle of these accounts. */
export function unlockAccounts(
  db: Db,
  audit: AuditLog,
  throttleSecret: Buffer,
  accounts: { id: string; identifier: string }[],
  by: Actor,
): Promise<number> {
  return actOnAccounts(db, audit, accounts, by, 'school.account_unlocked', (trx) =>
    trx
      .deleteFrom('login_throttle')
      .where(
        'key',
        'in',
        accounts.map((a) => throttleKey(throttleSecret, 'account', a.identifier)),
      )
      .execute(),
  );
}

/** « Forcer le changement de mot de passe »: at their next login these accounts choose a new password. */
export function flagAccounts(
  db: Db,
  audit: AuditLog,
  accounts: { id: string }[],
  by: Actor,
): Promise<number> {
  return actOnAccounts(db, audit, accounts, by, 'school.password_change_forced', (trx) =>
    trx
      .updateTable('accounts')
      .set({ must_change_password: true, updated_at: sql`now()` })
      .where(
        'id',
        'in',
        accounts.map((a) => a.id),
      )
      .where('password_hash', 'is not', null)
      .execute(),
  );
}

export interface EstablishmentStatistics {
  representatives: number;
  representativesWithAccount: number;
  pupils: number;
  pupilsWithAccount: number;
  notificationsUnused: number;
  notificationsExpired: number;
  /** Accounts of this establishment's people activated per week (Monday), the last 8 weeks, oldest first. */
  activationsPerWeek: { week: string; count: number }[];
}

export async function establishmentStatistics(db: Db, uai: string): Promise<EstablishmentStatistics> {
  const counts = await sql<{
    representatives: string;
    representatives_with_account: string;
    pupils: string;
    pupils_with_account: string;
    unused: string;
    expired: string;
  }>`
    with reps as (
      select distinct r.id, r.account_id from representatives r
      join pupil_representatives pr on pr.representative_id = r.id
      join pupils p on p.id = pr.pupil_id where p.establishment_uai = ${uai})
    select
      (select count(*) from reps)::text as representatives,
      (select count(*) from reps where account_id is not null)::text as representatives_with_account,
      (select count(*) from pupils where establishment_uai = ${uai})::text as pupils,
      (select count(*) from pupils where establishment_uai = ${uai} and account_id is not null)::text as pupils_with_account,
      (select count(*) from account_notifications n join accounts a on a.id = n.account_id
        where n.uai = ${uai} and n.completed_at is null and a.must_change_password and n.expires_at >= now())::text as unused,
      (select count(*) from account_notifications n join accounts a on a.id = n.account_id
        where n.uai = ${uai} and n.completed_at is null and a.must_change_password and n.expires_at < now())::text as expired
  `.execute(db);
  const weeks = await sql<{ week: string; count: string }>`
    with people as (
      select account_id from pupils where establishment_uai = ${uai} and account_id is not null
      union
      select r.account_id from representatives r
      join pupil_representatives pr on pr.representative_id = r.id
      join pupils p on p.id = pr.pupil_id
      where p.establishment_uai = ${uai} and r.account_id is not null),
    activated as (
      select coalesce(n.completed_at, a.created_at) as at from people
      join accounts a on a.id = people.account_id
      left join account_notifications n on n.account_id = a.id
      where n.account_id is null or n.completed_at is not null),
    series as (
      select generate_series(date_trunc('week', now()) - interval '7 weeks', date_trunc('week', now()), interval '1 week') as week)
    select to_char(s.week, 'YYYY-MM-DD') as week,
      (select count(*) from activated where date_trunc('week', at) = s.week)::text as count
    from series s order by s.week`.execute(db);
  const c = counts.rows[0]!;
  return {
    representatives: Number(c.representatives),
    representativesWithAccount: Number(c.representatives_with_account),
    pupils: Number(c.pupils),
    pupilsWithAccount: Number(c.pupils_with_account),
    notificationsUnused: Number(c.unused),
    notificationsExpired: Number(c.expired),
    activationsPerWeek: weeks.rows.map((w) => ({ week: w.week, count: Number(w.count) })),
  };
}

export interface LinkReport {
  accountId: string;
  pupilId: string;
  reporter: string;
  pupil: string;
  level: string | null;
  reportedAt: Date;
  handledAt: Date | null;
}

/** « Je ne suis pas le représentant légal » reports about this establishment's pupils, open ones first. */
export async function linkReports(db: Db, uai: string): Promise<LinkReport[]> {
  const rows = await db
    .selectFrom('pupil_link_reports as r')
    .innerJoin('pupils as p', 'p.id', 'r.pupil_id')
    .innerJoin('accounts as a', 'a.id', 'r.account_id')
    .select([
      'r.account_id',
      'r.pupil_id',
      sql<string>`a.given_name || ' ' || a.family_name`.as('reporter'),
      sql<string>`p.given_name || ' ' || p.family_name`.as('pupil'),
      'p.level',
      'r.reported_at',
      'r.handled_at',
    ])
    .where('p.establishment_uai', '=', uai)
    .orderBy(sql`r.handled_at is not null`)
    .orderBy('r.reported_at', 'desc')
    .limit(500)
    .execute();
  return rows.map((r) => ({
    accountId: r.account_id,
    pupilId: r.pupil_id,
    reporter: r.reporter,
    pupil: r.pupil,
    level: r.level,
    reportedAt: r.reported_at,
    handledAt: r.handled_at,
  }));
}

export async function markReportHandled(
  db: Db,
  audit: AuditLog,
  report: { accountId: string; pupilId: string },
  by: { staffId: string; uai: string; ip?: string | null },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('pupil_link_reports')
      .set({ handled_at: sql`now()`, handled_by: by.staffId })
      .where('account_id', '=', report.accountId)
      .where('pupil_id', '=', report.pupilId)
      .where('handled_at', 'is', null)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('pupils')
            .select('id')
            .whereRef('pupils.id', '=', 'pupil_link_reports.pupil_id')
            .where('pupils.establishment_uai', '=', by.uai),
        ),
      )
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await audit.record(
      {
        event: 'school.link_report_handled',
        accountId: report.accountId,
        ip: by.ip ?? null,
        detail: { staffId: by.staffId, uai: by.uai, pupilId: report.pupilId },
      },
      trx,
    );
    return true;
  });
}
