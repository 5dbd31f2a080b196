import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistryCsv, REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { importRegistry } from '../../src/domain/registry/import.js';
import { HttpBrowser, type Page, textOf } from '../helpers/browser.js';
import { countRows, DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { isCallback, loginWithPassword, RP_REDIRECT, TestRelyingParty } from '../helpers/relying-party.js';

const PASSWORD = 'Trousse-Verte-42';
const CLG = '0861234A;Collège Jean Moulin';
const LYC = '0860034C;Lycée Camille Guérin';
const REGISTRY = [
  REGISTRY_COLUMNS.join(';'),
  `${CLG};C-E1;Durand;Léo;10/05/2012;5EME;C-R1;Durand;Sophie;06 12 34 56 78;`,
  `${LYC};L-E1;Durand;Léa;21/09/2008;1ERE;L-R1;DURAND;Sophie;+33612345678;`,
  `${CLG};C-E2;Lefèvre;Chloé;21/01/2013;6EME;C-R2;Lefèvre;Jean-Marc;0696 12 34 56;`,
  `${CLG};C-E3;Petit;Nathan;02/07/2011;4EME;C-R3;Petit;Karim;07 12 34 56 02;`,
  `${LYC};L-E3;Nguyen;Inès;02/11/2009;2NDE;L-R3;Nguyen;Thi;07 12 34 56 78;`,
  `${LYC};L-E3;Nguyen;Inès;02/11/2009;2NDE;L-R4;Nguyen;Paul;06 98 76 54 32;`,
  `${CLG};C-E4;Nguyen;Bao;03/03/2012;5EME;C-R4;Nguyen;Thi;07 12 34 56 78;`,
  `${CLG};C-E5;Roux;Jade;04/04/2012;5EME;C-R5;Roux;Nadia;06 55 44 33 01;`,
  `${CLG};C-E6;Moreau;Hugo;05/05/2012;5EME;C-R6;Moreau;Isabelle;06 55 44 33 02;`,
  `${CLG};C-E7;Simon;Zoé;06/06/2012;5EME;C-R7;Simon;Thierry;06 55 44 33 03;`,
  `${CLG};C-E8;Laurent;Jules;07/07/2012;5EME;C-R8;Laurent;Aurélie;06 55 44 33 04;`,
  `${CLG};C-E9;Vincent;Camille;08/08/2012;5EME;C-R9;Vincent;Paul;06 55 44 33 05;`,
].join('\n');

describe.each(DATABASE_KINDS)('parent activation by SMS on %s', (kind) => {
  let idp: TestIdp;
  let rp: TestRelyingParty;

  beforeAll(async () => {
    idp = await startTestIdp(kind);
    const parsed = parseRegistryCsv(REGISTRY);
    expect(parsed.errors).toEqual([]);
    await importRegistry(idp.database.db, parsed.lines);
    rp = await TestRelyingParty.register(idp);
  });
  afterAll(async () => {
    await idp?.stop();
  });

  const db = () => idp.database.db;
  const uidOf = (page: Page) => /\/interaction\/([^/?#]+)/.exec(page.url)![1]!;

  async function outbox(
    to: string,
  ): Promise<{ channel: string; to: string; body: string; createdAt: string }[]> {
    const response = await fetch(`${idp.baseUrl}/dev/outbox?to=${encodeURIComponent(to)}`);
    expect(response.status).toBe(200);
    return (await response.json()) as { channel: string; to: string; body: string; createdAt: string }[];
  }
  async function latestCode(to: string): Promise<string> {
    const [message] = await outbox(to);
    const code = /\b([0-9]{6})\b/.exec(message?.body ?? '')?.[1];
    if (!code) throw new Error(`no code sent to ${to}: ${message?.body}`);
    return code;
  }

  /** From the service to the activation's first page, through the parent login page's link. */
  async function openActivation(browser: HttpBrowser) {
    const { request, page: choice } = await rp.begin(browser);
    const login = await browser.get(
      new URL(`/interaction/${uidOf(choice)}/login/responsable_legal`, idp.baseUrl).toString(),
    );
    const href = /<a href="([^"]+)">Je n'ai pas de compte<\/a>/.exec(
      login.html.replace(/&#x27;|&#39;/g, "'"),
    )?.[1];
    expect(href).toBeTruthy();
    const page = await browser.get(new URL(href!, idp.baseUrl).toString());
    expect(textOf(page.html)).toContain('Je confirme mon identité');
    return { request, page };
  }

  async function identify(browser: HttpBrowser, nom: string, prenom: string, telephone: string) {
    const { request, page } = await openActivation(browser);
    const next = await browser.submit(page, '/activation/identite', { nom, prenom, telephone });
    return { request, page: next };
  }

  /** Steps 1 to 3; returns the pupils page (step 4). */
  async function upToPupils(
    browser: HttpBrowser,
    nom: string,
    prenom: string,
    telephone: string,
    e164: string,
  ) {
    const { request, page: codePage } = await identify(browser, nom, prenom, telephone);
    expect(codePage.status).toBe(200);
    const passwordPage = await browser.submit(codePage, '/activation/code', { code: await latestCode(e164) });
    expect(textOf(passwordPage.html)).toContain('Je choisis mon nouveau mot de passe');
    const pupilsPage = await browser.submit(passwordPage, '/activation/mot-de-passe', {
      password: PASSWORD,
      confirmation: PASSWORD,
    });
    expect(textOf(pupilsPage.html)).toContain('Je confirme mon lien avec les élèves');
    return { request, page: pupilsPage };
  }

  async function pupilId(registryId: string) {
    const row = await db()
      .selectFrom('pupils')
      .select('id')
      .where('registry_id', '=', registryId)
      .executeTakeFirstOrThrow();
    return row.id;
  }
  async function answer(registryId: string, link: 'oui' | 'non', date?: [string, string, string]) {
    const id = await pupilId(registryId);
    return {
      [`lien_${id}`]: link,
      [`naissance-${id}_jour`]: date?.[0] ?? '',
      [`naissance-${id}_mois`]: date?.[1] ?? '',
      [`naissance-${id}_annee`]: date?.[2] ?? '',
    };
  }
  const accountsNamed = (family: string, given: string) =>
    db()
      .selectFrom('accounts')
      .selectAll()
      .where('family_name', '=', family)
      .where('given_name', '=', given)
      .execute();

  it('activates a parent with children in two establishments and returns to the service logged in', async () => {
    const browser = new HttpBrowser('203.0.113.10');
    const { request, page: identity } = await openActivation(browser);
    const text = textOf(identity.html);
    for (const label of [
      'Activation du compte',
      'Nom',
      'Prénom',
      'N° de téléphone portable',
      'Précédent',
      'Suivant',
    ])
      expect(text).toContain(label);
    expect(text).toContain(
      "Pour les numéros hors France métropolitaine, merci d'indiquer l'indicatif régional.",
    );
    expect(text).toContain('Je ne souhaite pas utiliser de téléphone portable');
    const accountsBefore = await countRows(db(), 'accounts');

    // Name typed differently from the registry: case, accents and spaces do not matter.
    const codePage = await browser.submit(identity, '/activation/identite', {
      nom: 'DURAND',
      prenom: ' sophie ',
      telephone: '+33 6 12 34 56 78',
    });
    expect(codePage.status).toBe(200);
    expect(textOf(codePage.html)).toContain('Un code de sécurité a été envoyé');
    expect(textOf(codePage.html)).toContain(
      'Nous venons de vous envoyer un code de sécurité (valable 30 min) au +33 6 •• •• •• 78',
    );
    expect(textOf(codePage.html)).toContain('Code de sécurité');
    expect(textOf(codePage.html)).toContain('Renvoyer le SMS');
    const messages = await outbox('+33612345678');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ channel: 'sms', to: '+33612345678', createdAt: expect.any(String) });
    const code = await latestCode('+33612345678');
    // Stored as an HMAC only.
    const flow = await db()
      .selectFrom('registry_flows')
      .selectAll()
      .where('mobile', '=', '+33612345678')
      .executeTakeFirstOrThrow();
    expect(flow).toMatchObject({
      type: 'activation',
      state: 'code_sent',
      code_attempts: 0,
      interaction_uid: uidOf(codePage),
    });
    expect(flow.code_hmac).not.toContain(code);
    expect(JSON.stringify(flow)).not.toContain(code);

    const passwordPage = await browser.submit(codePage, '/activation/code', { code });
    expect(passwordPage.url).toContain('/activation/mot-de-passe');
    const passwordText = textOf(passwordPage.html);
    for (const label of [
      'Mot de passe',
      'Confirmation du nouveau mot de passe',
      'Doit contenir 1 majuscule',
      'Doit contenir 8 caractères minimum',
    ])
      expect(passwordText).toContain(label);
    const weak = await browser.submit(passwordPage, '/activation/mot-de-passe', {
      password: 'court',
      confirmation: 'court',
    });
    expect(weak.status).toBe(400);
    expect(textOf(weak.html)).toContain('Le mot de passe ne respecte pas toutes les règles indiquées.');
    const mismatch = await browser.submit(passwordPage, '/activation/mot-de-passe', {
      password: PASSWORD,
      confirmation: `${PASSWORD}x`,
    });
    expect(textOf(mismatch.html)).toContain('Les deux mots de passe ne sont pas identiques.');
    const pupilsPage = await browser.submit(passwordPage, '/activation/mot-de-passe', {
      password: PASSWORD,
      confirmation: PASSWORD,
    });
    const pupilsText = textOf(pupilsPage.html);
    expect(pupilsText).toContain('Léo Durand – Collège Jean Moulin');
    expect(pupilsText).toContain('Léa Durand – Lycée Camille Guérin');
    for (const label of [
      'Je suis le représentant légal de cet élève',
      'Je ne suis pas le représentant légal de cet élève',
      'Né(e) le',
      'Jour',
      'Mois',
      'Année',
      'Confirmer',
    ])
      expect(pupilsText).toContain(label);
    // Nothing created before the last step.
    expect(await countRows(db(), 'accounts')).toBe(accountsBefore);

    const done = await browser.submit(pupilsPage, '/activation/eleves', {
      ...(await answer('C-E1', 'oui', ['10', '05', '2012'])),
      ...(await answer('L-E1', 'oui', ['21', '9', '2008'])),
    });
    expect(done.status).toBe(200);
    const doneText = textOf(done.html);
    expect(doneText).toContain('Votre compte a été activé avec succès');
    expect(doneText).toContain('Votre identifiant');
    expect(doneText).toContain('Notez votre identifiant');
    const identifier = /\b(s\.durand[0-9]{2,})\b/.exec(doneText)?.[1];
    expect(identifier).toBeTruthy();

    const [account] = await accountsNamed('Durand', 'Sophie');
    expect(account).toMatchObject({
      identifier,
      profile: 'responsable_legal',
      phone: '+33612345678',
      must_change_password: false,
    });
    expect(account!.password_hash).toMatch(/^\$argon2id\$/);
    const bound = await db()
      .selectFrom('account_pupils')
      .select('pupil_id')
      .where('account_id', '=', account!.id)
      .execute();
    expect(bound).toHaveLength(2);
    const reps = await db()
      .selectFrom('representatives')
      .select('account_id')
      .where('registry_id', 'in', ['C-R1', 'L-R1'])
      .execute();
    expect(reps.map((r) => r.account_id)).toEqual([account!.id, account!.id]);
    const consumed = await db()
      .selectFrom('registry_flows')
      .selectAll()
      .where('id', '=', flow.id)
      .executeTakeFirstOrThrow();
    expect(consumed).toMatchObject({
      state: 'completed',
      account_id: account!.id,
      code_hmac: null,
      password_hash: null,
    });
    expect(consumed.code_consumed_at).toBeTruthy();

    const callback = await browser.submit(done, '/activation/acces', {}, isCallback);
    expect(callback.url.startsWith(RP_REDIRECT)).toBe(true);
    const tokens = await rp.exchange(callback.url, request);
    const userinfo = await oidc.fetchUserInfo(rp.configuration, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({
      given_name: 'Sophie',
      family_name: 'Durand',
      educonnect_profile: 'responsable_legal',
    });

    // Later: the password works and no step is pending.
    const later = new HttpBrowser('203.0.113.11');
    const { page: choice } = await rp.begin(later);
    const direct = await loginWithPassword(later, choice, 'responsable_legal', identifier!, PASSWORD);
    expect(direct.url.startsWith(RP_REDIRECT)).toBe(true);

    // Activating again: same pages, but the SMS gives the identifier instead of a code.
    const again = new HttpBrowser('203.0.113.12');
    const { page: againCode } = await identify(again, 'Durand', 'Sophie', '06 12 34 56 78');
    expect(textOf(againCode.html)).toContain('Un code de sécurité a été envoyé');
    // The page every parent sees says what the SMS then holds, and where a lost identifier is found.
    expect(textOf(againCode.html)).toContain(
      'Si un compte ÉduConnect existe déjà pour vous, le SMS ne contient pas de code de sécurité mais votre identifiant',
    );
    expect(againCode.html).toMatch(
      /<a href="\/interaction\/[^/"]+\/identifiant-oublie">Identifiant oublié \?<\/a>/,
    );
    const [reminder] = await outbox('+33612345678');
    expect(reminder!.body).toContain(identifier);
    expect(reminder!.body).not.toMatch(/\b[0-9]{6}\b/);
    const refused = await again.submit(againCode, '/activation/code', { code });
    expect(refused.status).toBe(400);
    expect(await accountsNamed('Durand', 'Sophie')).toHaveLength(1);
  });

  it('gives the same answer to an unknown person or phone, and sends nothing then', async () => {
    const pages: string[] = [];
    const statuses: number[] = [];
    for (const [nom, prenom, telephone] of [
      ['Vincent', 'Paul', '06 55 44 33 05'], // in the registry
      ['Vincent', 'Pauline', '06 55 44 33 05'], // wrong first name
      ['Vincent', 'Paul', '06 55 44 33 95'], // wrong phone
    ] as const) {
      const browser = new HttpBrowser();
      const { page } = await identify(browser, nom, prenom, telephone);
      statuses.push(page.status);
      pages.push(
        textOf(page.html)
          .replace(/\+33 6 •• •• •• \d\d/, '<numéro>')
          .replace(/name="_csrf" value="[^"]+"/, ''),
      );
      expect(page.url).toMatch(/\/activation\/code$/);
      const wrong = await browser.submit(page, '/activation/code', { code: '000000' });
      expect(textOf(wrong.html)).toContain('Le code de sécurité est incorrect. Il vous reste 4 essais.');
    }
    expect(statuses).toEqual([200, 200, 200]);
    expect(new Set(pages).size).toBe(1);
    expect(await outbox('+33655443305')).toHaveLength(1);
    expect(await outbox('+33655443395')).toHaveLength(0);
    expect(await countRows(db(), 'outbox_messages')).toBeGreaterThan(0);
  });

  it('ends the activation after 5 wrong codes', async () => {
    const browser = new HttpBrowser();
    const { page } = await identify(browser, 'Roux', 'Nadia', '0655443301');
    const code = await latestCode('+33655443301');
    const wrongCode = code === '123456' ? '654321' : '123456';
    for (const remaining of ['4 essais', '3 essais', '2 essais', '1 essai.']) {
      const wrong = await browser.submit(page, '/activation/code', { code: wrongCode });
      expect(wrong.status).toBe(400);
      expect(textOf(wrong.html)).toContain(`Il vous reste ${remaining}`);
    }
    const ended = await browser.submit(page, '/activation/code', { code: wrongCode });
    expect(ended.status).toBe(403);
    expect(textOf(ended.html)).toContain('Vous avez saisi 5 codes de sécurité erronés.');
    // The right code is useless now.
    const late = await browser.submit(page, '/activation/code', { code });
    expect(late.status).toBe(403);
    expect(textOf(late.html)).toContain('Activation interrompue');
    expect(await accountsNamed('Roux', 'Nadia')).toHaveLength(0);
  });

  it('resends the SMS after a cooldown without resetting the tries; an expired code is refused', async () => {
    const browser = new HttpBrowser();
    const { page } = await identify(browser, 'Moreau', 'Isabelle', '06 55 44 33 02');
    const first = await latestCode('+33655443302');
    const wrongCode = first === '111111' ? '222222' : '111111';
    await browser.submit(page, '/activation/code', { code: wrongCode });
    await browser.submit(page, '/activation/code', { code: wrongCode });

    const tooSoon = await browser.submit(page, '/activation/renvoi');
    expect(tooSoon.status).toBe(429);
    expect(textOf(tooSoon.html)).toContain('Vous pourrez demander un nouveau SMS dans');
    expect(await outbox('+33655443302')).toHaveLength(1);

    await db()
      .updateTable('registry_flows')
      .set({ last_sent_at: sql`now() - interval '2 minutes'` })
      .where('mobile', '=', '+33655443302')
      .execute();
    const resent = await browser.submit(page, '/activation/renvoi');
    expect(resent.status).toBe(200);
    expect(textOf(resent.html)).toContain('Un nouveau code de sécurité vous a été envoyé.');
    expect(await outbox('+33655443302')).toHaveLength(2);
    const second = await latestCode('+33655443302');
    // The tries went on: 2 spent before the resend.
    const wrongAgain = await browser.submit(resent, '/activation/code', {
      code: second === wrongCode ? '333333' : wrongCode,
    });
    expect(textOf(wrongAgain.html)).toContain('Il vous reste 2 essais.');

    // Expired code: refused with its own message, even when right.
    await db()
      .updateTable('registry_flows')
      .set({ code_expires_at: sql`now() - interval '1 second'` })
      .where('mobile', '=', '+33655443302')
      .execute();
    const expired = await browser.submit(resent, '/activation/code', { code: second });
    expect(expired.status).toBe(400);
    expect(textOf(expired.html)).toContain('Le code de sécurité a expiré.');
    await db()
      .updateTable('registry_flows')
      .set({ last_sent_at: sql`now() - interval '2 minutes'` })
      .where('mobile', '=', '+33655443302')
      .execute();
    const fresh = await browser.submit(expired, '/activation/renvoi');
    const third = await latestCode('+33655443302');
    const next = await browser.submit(fresh, '/activation/code', { code: third });
    expect(textOf(next.html)).toContain('Je choisis mon nouveau mot de passe');
  });

  it('binds a code to its activation: another activation of the same parent refuses it', async () => {
    const a = new HttpBrowser();
    const b = new HttpBrowser();
    const first = await identify(a, 'Simon', 'Thierry', '06 55 44 33 03');
    const codeA = await latestCode('+33655443303');
    const second = await identify(b, 'Simon', 'Thierry', '06 55 44 33 03');
    const codeB = await latestCode('+33655443303');
    if (codeA === codeB) return; // one chance in a million
    const refused = await b.submit(second.page, '/activation/code', { code: codeA });
    expect(refused.status).toBe(400);
    expect(textOf(refused.html)).toContain('Le code de sécurité est incorrect.');
    const accepted = await a.submit(first.page, '/activation/code', { code: codeA });
    expect(textOf(accepted.html)).toContain('Je choisis mon nouveau mot de passe');
    // Used once: sending it again does not verify anything, the flow has moved on.
    const again = await a.submit(first.page, '/activation/code', { code: codeA });
    expect(again.url).toMatch(/\/activation\/mot-de-passe$/);
  });

  it('caps the SMS requests per number and hour, for known and unknown numbers alike', async () => {
    for (const [nom, prenom, telephone] of [
      ['Laurent', 'Aurélie', '06 55 44 33 04'],
      ['Inconnu', 'Personne', '06 55 44 33 94'],
    ] as const) {
      for (let i = 0; i < 5; i++) {
        const { page } = await identify(new HttpBrowser(), nom, prenom, telephone);
        expect(page.status).toBe(200);
      }
      const { page: capped } = await identify(new HttpBrowser(), nom, prenom, telephone);
      expect(capped.status).toBe(429);
      expect(textOf(capped.html)).toContain('Trop de codes de sécurité ont été demandés pour ce numéro.');
    }
    expect(await outbox('+33655443304')).toHaveLength(5);
  });

  it('checks birth dates, needs one confirmed pupil, and ends after 5 wrong dates with no account', async () => {
    const browser = new HttpBrowser();
    const { page } = await upToPupils(browser, 'Lefevre', 'Jean Marc', '0696 12 34 56', '+596696123456');
    const missing = await browser.submit(page, '/activation/eleves', {});
    expect(missing.status).toBe(400);
    expect(textOf(missing.html)).toContain('Indiquez si vous êtes le représentant légal de Chloé Lefèvre.');
    const none = await browser.submit(page, '/activation/eleves', await answer('C-E2', 'non'));
    expect(none.status).toBe(400);
    expect(textOf(none.html)).toContain(
      'Votre compte ne peut pas être créé sans au moins un élève dont vous êtes le représentant légal',
    );
    // not a dead end: whom to contact, and the form to change the answer
    expect(textOf(none.html)).toContain("contactez le secrétariat de l'école ou de l'établissement");
    expect(textOf(none.html)).toContain('Je suis le représentant légal de cet élève');
    for (let i = 0; i < 4; i++) {
      const wrong = await browser.submit(
        page,
        '/activation/eleves',
        await answer('C-E2', 'oui', ['22', '01', '2013']),
      );
      expect(wrong.status).toBe(400);
      expect(textOf(wrong.html)).toContain('La date de naissance de Chloé Lefèvre est incorrecte.');
      const left = 4 - i;
      expect(textOf(wrong.html)).toContain(
        `Il vous reste ${left} essai${left > 1 ? 's' : ''} pour les dates de naissance.`,
      );
      expect(wrong.html).toContain('aria-describedby');
    }
    const ended = await browser.submit(
      page,
      '/activation/eleves',
      await answer('C-E2', 'oui', ['23', '01', '2013']),
    );
    expect(ended.status).toBe(403);
    expect(textOf(ended.html)).toContain('Vous avez saisi 5 dates de naissance erronées.');
    const right = await browser.submit(
      page,
      '/activation/eleves',
      await answer('C-E2', 'oui', ['21', '01', '2013']),
    );
    expect(right.status).toBe(403);
    expect(await accountsNamed('Lefèvre', 'Jean-Marc')).toHaveLength(0);
  });

  it('creates one account when two activations of the same parent race', async () => {
    const a = new HttpBrowser('203.0.113.21');
    const b = new HttpBrowser('203.0.113.22');
    const first = await upToPupils(a, 'Petit', 'Karim', '07 12 34 56 02', '+33712345602');
    const second = await upToPupils(b, 'Petit', 'Karim', '07 12 34 56 02', '+33712345602');
    const values = await answer('C-E3', 'oui', ['02', '07', '2011']);
    const results = await Promise.all([
      a.submit(first.page, '/activation/eleves', values),
      b.submit(second.page, '/activation/eleves', values),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const loser = results.find((r) => r.status === 409)!;
    expect(textOf(loser.html)).toContain(
      'Un compte ÉduConnect a déjà été activé pour ce représentant légal.',
    );
    // The way back is « Identifiant oublié », not the school.
    expect(loser.html).toMatch(
      /<a href="\/interaction\/[^/"]+\/identifiant-oublie">Identifiant oublié \?<\/a>/,
    );
    expect(textOf(loser.html)).not.toContain('contactez l’établissement');
    expect(await accountsNamed('Petit', 'Karim')).toHaveLength(1);
    expect(await countRows(db(), 'account_pupils')).toBeGreaterThan(0);
  });

  it('records "je ne suis pas le représentant légal" as a report, then asks for new pupils at a later login', async () => {
    const browser = new HttpBrowser();
    const { page } = await upToPupils(browser, 'Nguyen', 'Thi', '07 12 34 56 78', '+33712345678');
    const done = await browser.submit(page, '/activation/eleves', {
      ...(await answer('L-E3', 'oui', ['02', '11', '2009'])),
      ...(await answer('C-E4', 'non')),
    });
    expect(textOf(done.html)).toContain('Votre compte a été activé avec succès');
    const [account] = await accountsNamed('Nguyen', 'Thi');
    const identifier = account!.identifier;
    const reports = await db()
      .selectFrom('pupil_link_reports')
      .selectAll()
      .where('account_id', '=', account!.id)
      .execute();
    expect(reports).toEqual([
      expect.objectContaining({ pupil_id: await pupilId('C-E4'), representative_id: expect.any(String) }),
    ]);
    const audit = await db()
      .selectFrom('audit_events')
      .select(['event', 'detail'])
      .where('account_id', '=', account!.id)
      .execute();
    expect(audit.map((e) => e.event)).toEqual(
      expect.arrayContaining(['activation.completed', 'pupil.link_reported']),
    );
    const bound = await db()
      .selectFrom('account_pupils')
      .select('pupil_id')
      .where('account_id', '=', account!.id)
      .execute();
    expect(bound.map((b) => b.pupil_id)).toEqual([await pupilId('L-E3')]);

    // A new school year: a new establishment lists Thi (under its own registry id) with a new pupil.
    const update = parseRegistryCsv(
      [
        REGISTRY_COLUMNS.join(';'),
        '0860099K;Lycée Victor Hugo;V-E1;Nguyen;Minh;09/09/2010;2NDE;V-R1;NGUYEN;Thi;+33 7 12 34 56 78;',
      ].join('\n'),
    );
    await importRegistry(db(), update.lines);

    const later = new HttpBrowser();
    const { request, page: choice } = await rp.begin(later);
    const step = await loginWithPassword(later, choice, 'responsable_legal', identifier, PASSWORD);
    expect(step.url).toMatch(/\/interaction\/[^/]+\/eleves$/);
    const stepText = textOf(step.html);
    expect(stepText).toContain("Ajout d'élèves");
    expect(stepText).toContain('Minh Nguyen – Lycée Victor Hugo');
    expect(stepText).not.toContain('Bao'); // reported: never asked again
    expect(stepText).not.toContain('Inès'); // already bound

    const wrong = await later.submit(
      step,
      '/eleves',
      await answer('V-E1', 'oui', ['10', '09', '2010']),
      isCallback,
    );
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.html)).toContain('La date de naissance de Minh Nguyen est incorrecte.');
    const callback = await later.submit(
      step,
      '/eleves',
      await answer('V-E1', 'oui', ['09', '09', '2010']),
      isCallback,
    );
    expect(callback.url.startsWith(RP_REDIRECT)).toBe(true);
    await rp.exchange(callback.url, request);
    const nowBound = await db()
      .selectFrom('account_pupils')
      .select('pupil_id')
      .where('account_id', '=', account!.id)
      .execute();
    expect(nowBound).toHaveLength(2);
    const rep = await db()
      .selectFrom('representatives')
      .select('account_id')
      .where('registry_id', '=', 'V-R1')
      .executeTakeFirstOrThrow();
    expect(rep.account_id).toBe(account!.id);

    // Nothing left to ask: straight back to the service.
    const third = new HttpBrowser();
    const { page: choice3 } = await rp.begin(third);
    const direct = await loginWithPassword(third, choice3, 'responsable_legal', identifier, PASSWORD);
    expect(direct.url.startsWith(RP_REDIRECT)).toBe(true);
  });

  it('stops asking for new pupils after 5 wrong birth dates and lets the parent in', async () => {
    // An account made by the school (notification) for a parent the registry knows by name and mobile.
    await db()
      .insertInto('accounts')
      .values({
        profile: 'responsable_legal',
        identifier: 'p.vincent55',
        given_name: 'Paul',
        family_name: 'Vincent',
        password_hash: await idp.idp.services.hasher.hash(PASSWORD),
        phone: '+33655443305',
      })
      .execute();
    const browser = new HttpBrowser('203.0.113.40');
    const { request, page: choice } = await rp.begin(browser);
    const step = await loginWithPassword(browser, choice, 'responsable_legal', 'p.vincent55', PASSWORD);
    expect(textOf(step.html)).toContain("Ajout d'élèves");
    expect(textOf(step.html)).toContain('Camille Vincent – Collège Jean Moulin');
    for (let i = 0; i < 4; i++) {
      const wrong = await browser.submit(step, '/eleves', await answer('C-E9', 'oui', ['01', '01', '2012']));
      expect(wrong.status).toBe(400);
    }
    const stopped = await browser.submit(step, '/eleves', await answer('C-E9', 'oui', ['02', '01', '2012']));
    expect(stopped.status).toBe(403);
    expect(textOf(stopped.html)).toContain("Ajout d'élèves interrompu");
    const callback = await browser.submit(stopped, '/eleves/continuer', {}, isCallback);
    expect(callback.url.startsWith(RP_REDIRECT)).toBe(true);
    await rp.exchange(callback.url, request);
    const account = await db()
      .selectFrom('accounts')
      .select('id')
      .where('identifier', '=', 'p.vincent55')
      .executeTakeFirstOrThrow();
    expect(
      await db()
        .selectFrom('account_pupils')
        .select('pupil_id')
        .where('account_id', '=', account.id)
        .execute(),
    ).toEqual([]);
    // Not asked again at the next login (for a day).
    const next = new HttpBrowser('203.0.113.41');
    const { page: choice2 } = await rp.begin(next);
    const direct = await loginWithPassword(next, choice2, 'responsable_legal', 'p.vincent55', PASSWORD);
    expect(direct.url.startsWith(RP_REDIRECT)).toBe(true);
  });

  it('refuses bad input with French 4xx pages and writes nothing', async () => {
    const browser = new HttpBrowser();
    const { page } = await openActivation(browser);
    const before = await countRows(db(), 'registry_flows');
    const empty = await browser.submit(page, '/activation/identite', { nom: '', prenom: '', telephone: '' });
    expect(empty.status).toBe(400);
    const emptyText = textOf(empty.html);
    expect(emptyText).toContain('Saisissez votre nom.');
    expect(emptyText).toContain('Saisissez votre prénom.');
    expect(emptyText).toContain('Saisissez votre numéro de téléphone portable.');
    expect(empty.html).toContain('aria-describedby="telephone-aide telephone-erreur"');
    const badPhone = await browser.submit(page, '/activation/identite', {
      nom: 'Durand',
      prenom: 'Sophie',
      telephone: '06 12',
    });
    expect(badPhone.status).toBe(400);
    expect(textOf(badPhone.html)).toContain('Saisissez un numéro de téléphone valide');
    const noCsrf = await browser.submit(page, '/activation/identite', {
      _csrf: undefined,
      nom: 'Durand',
      prenom: 'Sophie',
      telephone: '0612345678',
    });
    expect(noCsrf.status).toBe(403);
    const tooLong = await browser.submit(page, '/activation/identite', {
      nom: 'x'.repeat(500),
      prenom: 'Sophie',
      telephone: '0612345678',
    });
    expect(tooLong.status).toBe(400);
    expect(textOf(tooLong.html)).toContain('Formulaire invalide');
    expect(await countRows(db(), 'registry_flows')).toBe(before);

    // Steps cannot be skipped: without a flow, later steps send back to step 1.
    const skipped = await browser.get(`${idp.baseUrl}/interaction/${uidOf(page)}/activation/eleves`);
    expect(textOf(skipped.html)).toContain('Je confirme mon identité');
  });

  it('explains how to get credentials without a mobile phone, and offers activation to parents only', async () => {
    const browser = new HttpBrowser();
    const { page } = await openActivation(browser);
    const href = /<a href="([^"]+)">Je ne souhaite pas utiliser de téléphone portable<\/a>/.exec(
      page.html,
    )?.[1];
    const help = await browser.get(new URL(href!, idp.baseUrl).toString());
    expect(help.status).toBe(200);
    expect(textOf(help.html)).toContain("l'établissement vous remet une notification".replace("l'é", "L'é"));
    const pupilLogin = await browser.get(`${idp.baseUrl}/interaction/${uidOf(page)}/login/eleve`);
    expect(textOf(pupilLogin.html)).not.toContain("Je n'ai pas de compte");
  });
});
