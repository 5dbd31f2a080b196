import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createAccountWithTemporaryPassword } from '../../src/domain/accounts/accounts.js';
import { parseRegistryCsv, REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { importRegistry } from '../../src/domain/registry/import.js';
import { formsOf, HttpBrowser, type Page, textOf } from '../helpers/browser.js';
import type { DatabaseKind } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { isCallback, loginWithPassword, TestRelyingParty } from '../helpers/relying-party.js';

/**
 * Property-based fuzzing of every form of the login, the forced password change, the activation and
 * the pupil binding: generated values (long, empty, repeated or bracketed fields, control characters,
 * invalid UTF-8, mixed scripts, right-to-left text, emoji, unnormalised Unicode) posted with a valid
 * CSRF token and the flow in the right state, so that they reach the handlers. Never a 5xx, never a
 * stack trace, and a refused post (4xx) adds no row to the tables that hold accounts, flows, bindings
 * and messages (counters such as throttling, rate limits, birth-date failures and the audit log are
 * meant to record refused posts). Seeded and bounded by the number of runs, not by time.
 */
const SEED = 20_251_107;

/** Cases per form at scale 1 (2,710 in all); each database runs a share of them. */
const RUNS: Record<string, number> = {
  login: 350,
  'forced password change': 350,
  'activation: identity': 450,
  'activation: code': 350,
  'activation: resend': 60,
  'activation: password': 350,
  'activation: pupils': 400,
  'pupil binding': 400,
};
const runsAt = (name: string, scale: number) => Math.max(10, Math.round(RUNS[name]! * scale));
const casesAt = (scale: number) => Object.keys(RUNS).reduce((sum, name) => sum + runsAt(name, scale), 0);
const PASSWORD = 'Trousse-Verte-42';

const REGISTRY = [
  REGISTRY_COLUMNS.join(';'),
  '0861234A;Collège Jean Moulin;F-E1;Fuzz;Ana;04/03/2012;5EME;F-R1;Fuzz;Amélie;06 11 22 33 01;',
  '0860034C;Lycée Camille Guérin;F-E2;Fuzz;Zoé;11/10/2009;1ERE;F-R1;Fuzz;Amélie;06 11 22 33 01;',
  '0861234A;Collège Jean Moulin;G-E1;Garcia;Lou;02/01/2011;4EME;G-R1;Garcia;Bruno;06 11 22 33 02;',
  '0861234A;Collège Jean Moulin;G-E2;Garcia;Nino;06/05/2013;6EME;G-R1;Garcia;Bruno;06 11 22 33 02;',
].join('\n');

/** Tables a refused post must leave as they were (row counts). */
const GUARDED = [
  'accounts',
  'registry_flows',
  'outbox_messages',
  'account_pupils',
  'pupil_link_reports',
  'oidc_clients',
  'representatives',
  'pupils',
];

const SAMPLES = [
  '',
  ' ',
  '\t',
  '\r\n',
  '\u0000',
  'a\u0000b',
  '\u0007',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '\u200b',
  '\u200e',
  '\u202e',
  '\ufeff',
  '\ud800',
  '\udfff',
  '😀',
  '👨‍👩‍👧‍👦',
  '🇫🇷',
  'e\u0301',
  'É',
  'E\u0301LODIE',
  'ｓｏｐｈｉｅ',
  'Ⅻ',
  'ﬁ',
  'ß',
  'İ',
  'مرحبا',
  'שלום',
  '中文',
  'Ελληνικά',
  'кириллица',
  '%00',
  '%',
  '+',
  '&',
  '=',
  '[]',
  '<script>alert(1)</script>',
  "' or 1=1 --",
  '$' + '{7*7}', // template injection, kept out of a template literal
  '{{7*7}}',
  '../../etc/passwd',
  '\\',
  '0612345678',
  '+33 6 11 22 33 01',
  '06 11 22 33 01',
  '٠٦١١٢٢٣٣٠١',
  '０６１１２２３３０１',
  'Fuzz',
  'Amélie',
  'Garcia',
  'oui',
  'non',
  'responsable_legal',
  'eleve',
  '000000',
  '123456',
  '2012',
  '05',
  '31',
  '-1',
  'NaN',
  '1e309',
  'Trousse-Verte-42',
];

/** Text as people and scripts type it. */
const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...SAMPLES) },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...SAMPLES), { maxLength: 4 }).map((a) => a.join('')) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('x', 'é', '😀', 'e\u0301', '\u0000', 'مر'), fc.integer({ min: 20, max: 3000 }))
      .map(([s, n]) => s.repeat(n)),
  },
);

const percent = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
/** UTF-8 percent-encoded (a lone surrogate becomes U+FFFD, as a browser would send it). */
const encode = (value: string) => percent(Buffer.from(value, 'utf8'));

/** One encoded value: text, or raw bytes that need not be UTF-8. */
const encoded = (values: fc.Arbitrary<string>, textWeight = 20) =>
  fc.oneof(
    { weight: textWeight, arbitrary: values.map(encode) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }).map(percent) },
  );

type Pair = [string, string];

/** How a field is sent: once, repeated, with brackets (arrays and objects for the parser), or not at all. */
function field(name: string, values: fc.Arbitrary<string> = text, plain = 30): fc.Arbitrary<Pair[]> {
  const value = encoded(values, plain);
  return fc.oneof(
    { weight: plain, arbitrary: value.map((v): Pair[] => [[name, v]]) },
    {
      weight: 1,
      arbitrary: fc.array(value, { minLength: 2, maxLength: 3 }).map((vs) => vs.map((v): Pair => [name, v])),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('[]', '[0]', '[a]', '[__proto__]', '[a][b]', '.x', '[]['), value)
        .map(([suffix, v]): Pair[] => [[`${name}${suffix}`, v]]),
    },
    { weight: 1, arbitrary: fc.constant<Pair[]>([]) },
  );
}

/** Fields no page sends, with any name. */
const extraFields = fc.array(
  fc.tuple(text, encoded(text)).map(([k, v]): Pair => [encode(k), v]),
  { maxLength: 2 },
);

function form(parts: fc.Arbitrary<Pair[]>[]): fc.Arbitrary<Pair[]> {
  return fc.tuple(fc.tuple(...parts), extraFields, fc.boolean()).map(([fields, extra, reversed]) => {
    const pairs = [...fields.flat(), ...extra];
    return reversed ? pairs.reverse() : pairs;
  });
}

/** Two password fields: independent, or the same value typed twice (the policy then decides). */
const passwordPair: fc.Arbitrary<Pair[]> = fc.oneof(
  form([field('password'), field('confirmation')]),
  text.map((p): Pair[] => [
    ['password', encode(p)],
    ['confirmation', encode(p)],
  ]),
);

/** Answers for the pupils of a page; a right birth date with "oui" never comes out (it would bind). */
function pupilAnswers(pupils: { id: string; birthDate: string }[]): fc.Arbitrary<Pair[]> {
  const digits = (n: number) =>
    fc.integer({ min: 0, max: 10 ** n - 1 }).map((v) => String(v).padStart(n, '0'));
  return fc
    .tuple(
      ...pupils.map((pupil) => {
        const [year, month, day] = pupil.birthDate.split('-').map(Number);
        // The page's fields are short (2, 2 and 4 characters): mostly digits, so that most answers pass
        // the form parsing and reach the birth-date checks.
        const part = (n: number) =>
          fc.oneof(
            { weight: 6, arbitrary: digits(n) },
            { weight: 3, arbitrary: fc.integer({ min: 0, max: 10 ** n - 1 }).map(String) },
            { weight: 1, arbitrary: text },
          );
        const link = fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom('oui', 'non', '') },
          { weight: 1, arbitrary: text },
        );
        const answer = fc
          .tuple(link, part(2), part(2), part(4))
          .filter(
            ([link, d, m, y]) =>
              !(
                link.trim() === 'oui' &&
                Number(d.trim()) === day &&
                Number(m.trim()) === month &&
                Number(y.trim()) === year
              ),
          );
        return answer.chain(([link, d, m, y]) =>
          fc
            .tuple(
              field(`lien_${pupil.id}`, fc.constant(link), 120),
              field(`naissance-${pupil.id}_jour`, fc.constant(d), 120),
              field(`naissance-${pupil.id}_mois`, fc.constant(m), 120),
              field(`naissance-${pupil.id}_annee`, fc.constant(y), 120),
            )
            .map((fields) => fields.flat()),
        );
      }),
    )
    .map((all) => all.flat());
}

interface Target {
  name: string;
  fields: fc.Arbitrary<Pair[]>;
  /** Puts the flow back in the state the form belongs to (before each case). */
  prepare(): Promise<{ browser: HttpBrowser; page: Page; action: string }>;
}

async function fuzzForms(kind: DatabaseKind, scale: number) {
  const idp: TestIdp = await startTestIdp(kind, { env: { TRUST_PROXY: 'true' } });
  try {
    const db = idp.database.db;
    await importRegistry(db, parseRegistryCsv(REGISTRY).lines);
    const rp = await TestRelyingParty.register(idp);
    const hasher = idp.idp.services.hasher;
    const passwordHash = await hasher.hash(PASSWORD);
    let ipCounter = 0;
    const nextIp = () => {
      ipCounter++;
      return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
    };
    const uidOf = (page: Page) => /\/interaction\/([^/?#]+)/.exec(page.url)![1]!;
    const pupilsOf = async (registryIds: string[]) =>
      db
        .selectFrom('pupils')
        .select(['id', 'birth_date as birthDate'])
        .where('registry_id', 'in', registryIds)
        .orderBy('registry_id')
        .execute();

    // The parent of the binding step: an account the registry links to two pupils not yet bound.
    const binder = await db
      .insertInto('accounts')
      .values({
        profile: 'responsable_legal',
        identifier: 'b.garcia1',
        given_name: 'Bruno',
        family_name: 'Garcia',
        password_hash: passwordHash,
        phone: '+33611223302',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const temporary = await createAccountWithTemporaryPassword(db, hasher, {
      profile: 'eleve',
      givenName: 'Éloïse',
      familyName: "N'Diaye",
    });
    const temporaryHash = (
      await db
        .selectFrom('accounts')
        .select('password_hash')
        .where('id', '=', temporary.account.id)
        .executeTakeFirstOrThrow()
    ).password_hash;

    /** A browser at the activation's code page for the registry's parent; its flow id. */
    async function activation() {
      const browser = new HttpBrowser(nextIp());
      const { page: choice } = await rp.begin(browser);
      const identity = await browser.get(`${idp.baseUrl}/interaction/${uidOf(choice)}/activation`);
      const page = await browser.submit(identity, '/activation/identite', {
        nom: 'Fuzz',
        prenom: 'Amélie',
        telephone: '06 11 22 33 01',
      });
      expect(page.url).toMatch(/\/activation\/code$/);
      const flow = await db
        .selectFrom('registry_flows')
        .select(['id', 'code_hmac'])
        .where('interaction_uid', '=', uidOf(page))
        .executeTakeFirstOrThrow();
      return { browser, page, uid: uidOf(page), flow };
    }

    /** Resets an activation to `state` and returns its page at that step. */
    function activationAt(
      state: 'code_sent' | 'code_verified' | 'password_chosen',
      path: string,
      action = `/activation/${path}`,
    ) {
      let at: Awaited<ReturnType<typeof activation>> | undefined;
      let page: Page | undefined;
      return async () => {
        await db.deleteFrom('rate_limits').execute();
        at ??= await activation();
        await db
          .updateTable('registry_flows')
          .set({
            state,
            code_attempts: 0,
            birth_date_failures: 0,
            failure_reason: null,
            code_hmac: at.flow.code_hmac,
            code_expires_at: sql`now() + interval '30 minutes'`,
            sends: 1,
            last_sent_at: sql`now() - interval '1 hour'`,
            password_hash: state === 'password_chosen' ? passwordHash : null,
          })
          .where('id', '=', at.flow.id)
          .execute();
        page ??= await at.browser.get(`${idp.baseUrl}/interaction/${at.uid}/activation/${path}`);
        return { browser: at.browser, page, action };
      };
    }

    const loginPage = async () => {
      const browser = new HttpBrowser(nextIp());
      const { page: choice } = await rp.begin(browser);
      const page = await browser.get(`${idp.baseUrl}/interaction/${uidOf(choice)}/login/responsable_legal`);
      return { browser, page, action: '/login' };
    };
    let login: Awaited<ReturnType<typeof loginPage>> | undefined;

    let forced: { browser: HttpBrowser; page: Page; action: string } | undefined;
    let binding: { browser: HttpBrowser; page: Page; action: string } | undefined;
    let identity: { browser: HttpBrowser; page: Page; action: string } | undefined;

    const bindingPupils = await pupilsOf(['G-E1', 'G-E2']);
    const activationPupils = await pupilsOf(['F-E1', 'F-E2']);

    const targets: Target[] = [
      {
        name: 'login',
        fields: form([
          field(
            'profile',
            fc.oneof(
              { weight: 5, arbitrary: fc.constantFrom('responsable_legal', 'eleve') },
              { weight: 1, arbitrary: text },
            ),
          ),
          field('identifier'),
          field('password'),
        ]),
        async prepare() {
          login ??= await loginPage();
          return login;
        },
      },
      {
        name: 'forced password change',
        fields: passwordPair,
        async prepare() {
          if (!forced) {
            await db
              .updateTable('accounts')
              .set({ password_hash: temporaryHash, must_change_password: true })
              .where('id', '=', temporary.account.id)
              .execute();
            const browser = new HttpBrowser(nextIp());
            const { page: choice } = await rp.begin(browser);
            const page = await loginWithPassword(
              browser,
              choice,
              'eleve',
              temporary.account.identifier,
              temporary.temporaryPassword,
            );
            expect(page.url).toMatch(/\/password$/);
            forced = { browser, page, action: '/password' };
          }
          return forced;
        },
      },
      {
        name: 'activation: identity',
        fields: form([
          field('nom'),
          field('prenom'),
          field(
            'telephone',
            fc.oneof(
              text,
              fc.constantFrom('06 11 22 33 01', '0611223399', '+596 696 12 34 56', '07 00 00 00 00'),
            ),
          ),
        ]),
        async prepare() {
          if (!identity) {
            const browser = new HttpBrowser(nextIp());
            const { page: choice } = await rp.begin(browser);
            const page = await browser.get(`${idp.baseUrl}/interaction/${uidOf(choice)}/activation`);
            identity = { browser, page, action: '/activation/identite' };
          }
          return identity;
        },
      },
      {
        name: 'activation: code',
        fields: form([
          field(
            'code',
            fc.oneof(
              text,
              fc.integer({ min: 0, max: 999_999 }).map((n) => String(n).padStart(6, '0')),
              fc
                .integer({ min: 0, max: 999_999 })
                .map((n) => ` ${String(n).padStart(6, '0').replace(/(...)/, '$1 ')}`),
            ),
          ),
        ]),
        prepare: activationAt('code_sent', 'code'),
      },
      {
        name: 'activation: resend',
        fields: form([]),
        prepare: activationAt('code_sent', 'code', '/activation/renvoi'),
      },
      {
        name: 'activation: password',
        fields: passwordPair,
        prepare: activationAt('code_verified', 'mot-de-passe'),
      },
      {
        name: 'activation: pupils',
        fields: form([pupilAnswers(activationPupils)]),
        prepare: activationAt('password_chosen', 'eleves'),
      },
      {
        name: 'pupil binding',
        fields: form([pupilAnswers(bindingPupils)]),
        async prepare() {
          await db.deleteFrom('pupil_binding_failures').where('account_id', '=', binder.id).execute();
          if (!binding) {
            await db.deleteFrom('account_pupils').where('account_id', '=', binder.id).execute();
            await db.deleteFrom('pupil_link_reports').where('account_id', '=', binder.id).execute();
            const browser = new HttpBrowser(nextIp());
            const { page: choice } = await rp.begin(browser);
            const page = await loginWithPassword(browser, choice, 'responsable_legal', 'b.garcia1', PASSWORD);
            expect(page.url).toMatch(/\/eleves$/);
            binding = { browser, page, action: '/eleves' };
          }
          return binding;
        },
      },
    ];

    const counts = async () => {
      const { rows } = await sql
        .raw<Record<string, number>>(
          `select ${GUARDED.map((t) => `(select count(*)::int from ${t}) as ${t}`).join(', ')}`,
        )
        .execute(db);
      return rows[0]!;
    };

    const summary: Record<string, Record<string, number>> = {};
    for (const target of targets) {
      const statuses: Record<string, number> = {};
      summary[target.name] = statuses;
      await fc.assert(
        fc.asyncProperty(target.fields, async (pairs) => {
          const { browser, page, action } = await target.prepare();
          const csrfForm = formsOf(page.html, page.url).find((f) => f.action.includes(action));
          expect(csrfForm, `${target.name}: no form ${action} on ${page.url}`).toBeTruthy();
          const body = [['_csrf', encodeURIComponent(csrfForm!.fields._csrf ?? '')], ...pairs]
            .map(([k, v]) => `${k}=${v}`)
            .join('&');
          const before = await counts();
          const response = await browser.request(
            csrfForm!.action,
            { method: 'POST', body, headers: { 'x-forwarded-for': nextIp() } },
            isCallback,
          );
          const outcome = `${response.status}${textOf(response.html).includes('Formulaire invalide') ? ' malformed' : ''}`;
          statuses[outcome] = (statuses[outcome] ?? 0) + 1;
          const what = `${target.name}: ${response.status} for ${body.slice(0, 300)}`;
          expect(response.status >= 500, what).toBe(false);
          expect(response.html, what).not.toMatch(/\n\s+at .+:\d+:\d+/);
          if (response.status >= 400) {
            expect(textOf(response.html), what).toMatch(/[a-zé]/i);
            expect(await counts(), what).toEqual(before);
          }
          // Accepted: the flow moved on (a password changed, pupils bound...): start it again.
          if (response.status === 0 || (response.status < 400 && !response.url.endsWith(action))) {
            if (target.name === 'forced password change') forced = undefined;
            if (target.name === 'pupil binding') binding = undefined;
            if (target.name === 'login') login = undefined;
          }
        }),
        { numRuns: runsAt(target.name, scale), seed: SEED, endOnFailure: true },
      );
    }
    // Still answering.
    expect((await fetch(`${idp.baseUrl}/healthz`)).status).toBe(200);
    return summary;
  } finally {
    await idp.stop();
  }
}

describe('fuzzing the forms of login, password change, activation and pupil binding', () => {
  let summary: Record<string, Record<string, number>> | undefined;
  afterAll(() => {
    if (process.env.FUZZ_SUMMARY) console.log(JSON.stringify(summary, null, 2));
  });

  // Three quarters of the cases on PGlite, a quarter on PostgreSQL.
  it(`never answers 5xx and writes nothing for a refused post (PGlite, ${casesAt(0.75)} cases)`, async () => {
    summary = await fuzzForms('pglite', 0.75);
  }, 300_000);

  it(`never answers 5xx and writes nothing for a refused post (PostgreSQL, ${casesAt(0.25)} cases)`, async () => {
    summary = await fuzzForms('postgres', 0.25);
  }, 300_000);
});
