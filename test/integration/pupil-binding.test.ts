import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistryCsv, REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { importRegistry } from '../../src/domain/registry/import.js';
import { HttpBrowser, type Page, textOf } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { isCallback, loginWithPassword, RP_REDIRECT, TestRelyingParty } from '../helpers/relying-party.js';

const PASSWORD = 'Trousse-Verte-42';
const CLG = '0861234A;Collège Jean Moulin';
const LYC = '0860034C;Lycée Camille Guérin';
const REGISTRY = [
  REGISTRY_COLUMNS.join(';'),
  `${CLG};C-E1;Garnier;Lina;12/12/2012;5EME;C-R1;Garnier;Marc;06 55 44 33 11;`,
  `${LYC};L-E1;Garnier;Tom;03/04/2008;1ERE;L-R1;Garnier;Marc;06 55 44 33 11;`,
  `${CLG};C-E2;Fabre;Noé;01/02/2012;5EME;C-R2;Fabre;Julie;06 55 44 33 12;`,
].join('\n');

describe.each(DATABASE_KINDS)('« Ajout d’élèves » limits across logins on %s', (kind) => {
  let idp: TestIdp;
  let rp: TestRelyingParty;

  beforeAll(async () => {
    idp = await startTestIdp(kind);
    await importRegistry(idp.database.db, parseRegistryCsv(REGISTRY).lines);
    rp = await TestRelyingParty.register(idp);
    // Accounts made by the school for parents the registry knows by name and mobile.
    const hash = await idp.idp.services.hasher.hash(PASSWORD);
    await idp.database.db
      .insertInto('accounts')
      .values([
        {
          profile: 'responsable_legal',
          identifier: 'm.garnier11',
          given_name: 'Marc',
          family_name: 'Garnier',
          password_hash: hash,
          phone: '+33655443311',
        },
        {
          profile: 'responsable_legal',
          identifier: 'j.fabre12',
          given_name: 'Julie',
          family_name: 'Fabre',
          password_hash: hash,
          phone: '+33655443312',
        },
      ])
      .execute();
  });
  afterAll(async () => {
    await idp?.stop();
  });

  const db = () => idp.database.db;
  async function pupilId(registryId: string) {
    const row = await db()
      .selectFrom('pupils')
      .select('id')
      .where('registry_id', '=', registryId)
      .executeTakeFirstOrThrow();
    return row.id;
  }
  async function answer(registryId: string, date: [string, string, string]) {
    const id = await pupilId(registryId);
    return {
      [`lien_${id}`]: 'oui',
      [`naissance-${id}_jour`]: date[0],
      [`naissance-${id}_mois`]: date[1],
      [`naissance-${id}_annee`]: date[2],
    };
  }
  async function login(identifier: string): Promise<{ browser: HttpBrowser; page: Page }> {
    const browser = new HttpBrowser();
    const { page: choice } = await rp.begin(browser);
    const page = await loginWithPassword(browser, choice, 'responsable_legal', identifier, PASSWORD);
    return { browser, page };
  }
  const bound = async (identifier: string) =>
    db()
      .selectFrom('account_pupils')
      .innerJoin('accounts', 'accounts.id', 'account_pupils.account_id')
      .innerJoin('pupils', 'pupils.id', 'account_pupils.pupil_id')
      .select('pupils.registry_id')
      .where('accounts.identifier', '=', identifier)
      .execute();

  it('counts wrong birth dates per account and pupil across logins, then stops offering that pupil', async () => {
    // Login 1: 4 wrong dates for Lina, each one said with the tries left.
    const first = await login('m.garnier11');
    expect(textOf(first.page.html)).toContain("Ajout d'élèves");
    for (let i = 0; i < 4; i++) {
      const wrong = await first.browser.submit(
        first.page,
        '/eleves',
        await answer('C-E1', ['01', '01', '2012']),
      );
      expect(wrong.status).toBe(400);
      expect(textOf(wrong.html)).toContain('La date de naissance de Lina Garnier est incorrecte.');
      const left = 4 - i;
      expect(textOf(wrong.html)).toContain(
        `Il vous reste ${left} essai${left > 1 ? 's' : ''} pour cet élève.`,
      );
    }

    // Login 2 (a new login does not give new tries): the 5th wrong date blocks Lina. Tom is still offered.
    const second = await login('m.garnier11');
    expect(textOf(second.page.html)).toContain('Lina Garnier');
    const blocked = await second.browser.submit(second.page, '/eleves', {
      ...(await answer('C-E1', ['02', '01', '2012'])),
      ...(await answer('L-E1', ['04', '04', '2008'])), // wrong too: one failure for Tom
    });
    expect(blocked.status).toBe(400);
    const blockedText = textOf(blocked.html);
    expect(blockedText).toContain('Cet élève ne peut plus être rattaché à votre compte en ligne');
    expect(blockedText).toContain('Lina Garnier (Collège Jean Moulin)');
    expect(blockedText).toContain('contactez son établissement');
    expect(blockedText).toContain(
      'La date de naissance de Tom Garnier est incorrecte. Il vous reste 4 essais',
    );
    expect(blocked.html).not.toContain(`naissance-${await pupilId('C-E1')}_jour`); // no longer asked

    // Even the right date for Lina, posted by hand, binds nothing now; Tom's right date binds Tom.
    const callback = await second.browser.submit(
      blocked,
      '/eleves',
      { ...(await answer('C-E1', ['12', '12', '2012'])), ...(await answer('L-E1', ['03', '04', '2008'])) },
      isCallback,
    );
    expect(callback.url.startsWith(RP_REDIRECT)).toBe(true);
    expect((await bound('m.garnier11')).map((r) => r.registry_id)).toEqual(['L-E1']);

    // Login 3: nothing left to offer, straight to the service; Lina is still not bound.
    const third = await login('m.garnier11');
    expect(third.page.url.startsWith(RP_REDIRECT)).toBe(true);
    expect((await bound('m.garnier11')).map((r) => r.registry_id)).toEqual(['L-E1']);
    const events = await db()
      .selectFrom('audit_events')
      .select(['event', 'detail'])
      .where('event', '=', 'pupil.binding_blocked')
      .execute();
    expect(events).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ pupilRegistryId: 'C-E1' }) }),
    ]);
  });

  it('tells the parent to contact the establishment when every pupil left is blocked, and keeps the state', async () => {
    for (let login_ = 0; login_ < 5; login_++) {
      const { browser, page } = await login('j.fabre12');
      expect(textOf(page.html)).toContain('Noé Fabre – Collège Jean Moulin');
      const wrong = await browser.submit(page, '/eleves', await answer('C-E2', ['09', '09', '2012']));
      if (login_ < 4) {
        expect(wrong.status).toBe(400);
        continue;
      }
      expect(wrong.status).toBe(403);
      const text = textOf(wrong.html);
      expect(text).toContain("Ajout d'élèves interrompu");
      expect(text).toContain(
        'Vous avez saisi 5 dates de naissance erronées pour Noé Fabre (Collège Jean Moulin).',
      );
      expect(text).toContain('cet élève ne peut plus être rattaché à votre compte en ligne');
      expect(text).toContain('contactez son établissement');
      const callback = await browser.submit(wrong, '/eleves/continuer', {}, isCallback);
      expect(callback.url.startsWith(RP_REDIRECT)).toBe(true);
    }
    const state = await db()
      .selectFrom('pupil_binding_failures')
      .innerJoin('accounts', 'accounts.id', 'pupil_binding_failures.account_id')
      .select(['failures', 'blocked_at'])
      .where('accounts.identifier', '=', 'j.fabre12')
      .executeTakeFirstOrThrow();
    expect(state.failures).toBe(5);
    expect(state.blocked_at).toBeTruthy();
    // Later logins go straight to the service; the right date can no longer be given online.
    for (let i = 0; i < 2; i++) {
      const { page } = await login('j.fabre12');
      expect(page.url.startsWith(RP_REDIRECT)).toBe(true);
    }
    expect(await bound('j.fabre12')).toEqual([]);
  });
});
