import { sql } from 'kysely';
import type { Db } from '../../src/db/database.js';
import { hiddenField, UnexpectedResponse, type VirtualBrowser } from './browser.js';
import {
  authorizeRequest,
  BENCH_PASSWORD,
  type BenchClient,
  checkShed,
  completeFlow,
  expectStatus,
  type TokenSet,
  timed,
} from './flows.js';
import type { Recorder } from './stats.js';

/**
 * The activation scenario: a registry of parents without accounts, one establishment, one pupil per
 * parent, each parent with their own mobile (the SMS cap is per number and hour: one activation each).
 */
export const BENCH_UAI = '0999001B';

/** Letters only: names are matched with digits stripped. */
export function letters(index: number): string {
  return String(index).replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!);
}

export interface BenchParent {
  familyName: string;
  givenName: string;
  /** As a parent types it. */
  mobile: string;
  /** E.164, as the SMS gateway receives it. */
  e164: string;
  birthDate: { day: string; month: string; year: string };
}

/** Parent `index` (1-based) of the seeded registry, and the birth date of their child. */
export function benchParent(index: number): BenchParent {
  const digits = String(index).padStart(8, '0');
  const birth = new Date(Date.UTC(2010, 0, 1) + (index % 1000) * 86_400_000);
  return {
    familyName: 'Bench',
    givenName: `Parent${letters(index)}`,
    mobile: `06${digits}`,
    e164: `+336${digits}`,
    birthDate: {
      day: String(birth.getUTCDate()).padStart(2, '0'),
      month: String(birth.getUTCMonth() + 1).padStart(2, '0'),
      year: String(birth.getUTCFullYear()),
    },
  };
}

/** Seeds `count` parents in bulk (a few statements, whatever the count); same rows as benchParent(). */
export async function seedActivationRegistry(db: Db, count: number): Promise<void> {
  if (count > 99_999_999) throw new Error('too many bench parents for 8-digit mobiles');
  await sql`
    insert into establishments (uai, name, kind, academie, town)
    values (${BENCH_UAI}, 'Collège Bench', 'college', 'Poitiers', 'Poitiers')`.execute(db);
  await sql`
    insert into pupils (registry_id, family_name, given_name, birth_date, level, establishment_uai)
    select 'BP-' || i, 'Bench', 'Eleve' || translate(i::text, '0123456789', 'abcdefghij'),
           date '2010-01-01' + (i % 1000), '5EME', ${BENCH_UAI}
    from generate_series(1, ${count}::int) as i`.execute(db);
  await sql`
    insert into representatives (registry_id, family_name, given_name, match_name, mobile)
    select 'BR-' || i, 'Bench', 'Parent' || translate(i::text, '0123456789', 'abcdefghij'),
           'bench parent' || translate(i::text, '0123456789', 'abcdefghij'), '+336' || lpad(i::text, 8, '0')
    from generate_series(1, ${count}::int) as i`.execute(db);
  await sql`
    insert into pupil_representatives (pupil_id, representative_id)
    select p.id, r.id from pupils p
    join representatives r on r.registry_id = 'BR-' || substr(p.registry_id, 4)
    where p.establishment_uai = ${BENCH_UAI}`.execute(db);
  for (const table of ['pupils', 'representatives', 'pupil_representatives'])
    await sql`analyze ${sql.table(table)}`.execute(db);
}

/** Waits for the SMS sent to a number: the bench's SMS gateway resolves it. */
export type SmsInbox = (e164: string, timeoutMs: number) => Promise<string>;

/** The 6-digit code of an activation SMS. */
export function codeFromSms(text: string): string {
  const code = /code de sécurité est (\d{6})/.exec(text)?.[1];
  if (!code) throw new Error(`SMS without a code: ${text.slice(0, 80)}`);
  return code;
}

/**
 * A parent activates their account end to end, then the service gets its tokens: authorize -> profile
 * choice -> login form -> "Je n'ai pas de compte" (identity) -> SMS code -> new password (argon2id
 * hash) -> "Je confirme mon lien avec les élèves" -> success -> "Accéder à mes services" -> resume ->
 * code -> token -> userinfo.
 */
export async function activationFlow(
  browser: VirtualBrowser,
  client: BenchClient,
  parent: BenchParent,
  inbox: SmsInbox,
  recorder: Recorder,
): Promise<TokenSet> {
  const { interactionUrl, verifier } = await authorizeRequest(browser, client, recorder);
  const base = `${interactionUrl}/activation`;
  const get = async (step: string, path: string) => {
    const response = await timed(recorder, step, () => browser.request('GET', path));
    checkShed(step, response);
    return expectStatus(step, response, 200);
  };
  const post = async (step: string, path: string, form: Record<string, string>) => {
    const response = await timed(recorder, step, () => browser.request('POST', path, { form }));
    checkShed(step, response);
    return expectStatus(step, response, 302, 303);
  };
  await get('profile choice', interactionUrl);
  const login = await get('login form', `${interactionUrl}/login/responsable_legal`);
  if (!login.body.includes(`${base}"`))
    throw new UnexpectedResponse('no "Je n\'ai pas de compte" link', login);

  const identity = await get('identity page', base);
  const sms = inbox(parent.e164, 30_000);
  sms.catch(() => undefined);
  await post('identity POST', `${base}/identite`, {
    _csrf: hiddenField(identity.body, '_csrf') ?? '',
    nom: parent.familyName,
    prenom: parent.givenName,
    telephone: parent.mobile,
  });
  const codePage = await get('code page', `${base}/code`);
  const smsWait = performance.now();
  const code = codeFromSms(await sms);
  recorder.step('SMS received', performance.now() - smsWait);
  await post('code POST', `${base}/code`, { _csrf: hiddenField(codePage.body, '_csrf') ?? '', code });

  const passwordPage = await get('password page', `${base}/mot-de-passe`);
  await post('password POST', `${base}/mot-de-passe`, {
    _csrf: hiddenField(passwordPage.body, '_csrf') ?? '',
    password: BENCH_PASSWORD,
    confirmation: BENCH_PASSWORD,
  });

  const pupilsPage = await get('pupils page', `${base}/eleves`);
  const pupilIds = [...pupilsPage.body.matchAll(/name="lien_([^"]+)"/g)].map((m) => m[1]!);
  const unique = [...new Set(pupilIds)];
  if (unique.length !== 1) throw new UnexpectedResponse(`expected 1 pupil, got ${unique.length}`, pupilsPage);
  const pupil = unique[0]!;
  await post('pupils POST', `${base}/eleves`, {
    _csrf: hiddenField(pupilsPage.body, '_csrf') ?? '',
    [`lien_${pupil}`]: 'oui',
    [`naissance-${pupil}_jour`]: parent.birthDate.day,
    [`naissance-${pupil}_mois`]: parent.birthDate.month,
    [`naissance-${pupil}_annee`]: parent.birthDate.year,
  });
  const done = await get('success page', `${base}/terminee`);
  const access = await post('access POST', `${base}/acces`, { _csrf: hiddenField(done.body, '_csrf') ?? '' });
  return completeFlow(browser, client, access.location!, verifier, recorder);
}
