import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as oidc from 'openid-client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AtenDirectory, createAtenDirectoryApp } from '../../src/demo/aten/app.js';
import { importDirectoryAccounts } from '../../src/demo/aten/directory.js';
import { parseAtenExport } from '../../src/demo/aten/export.js';
import { parseRegistryCsv, REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { importRegistry } from '../../src/domain/registry/import.js';
import { formsOf, HttpBrowser, type Page, textOf } from '../helpers/browser.js';
import { CLI_PROCESS_TIMEOUT_MS, type CliResult, educonnect } from '../helpers/cli.js';
import { countRows, createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { isCallback, RP_REDIRECT, TestRelyingParty } from '../helpers/relying-party.js';

const PASSWORD = 'Trousse-Verte-42';
const ATEN_PASSWORD = 'Ancien#Aten1';
const CLG = '0861234A;Collège Jean Moulin';
const LYC = '0860034C;Lycée Camille Guérin';
const REGISTRY = [
  REGISTRY_COLUMNS.join(';'),
  `${CLG};C-A1;Garnier;Paul;12/02/2012;5EME;C-RA1;Garnier;Hélène;06 11 22 33 01;`,
  `${LYC};L-A1;Garnier;Alice;03/04/2008;1ERE;L-RA1;Garnier;Hélène;06 11 22 33 01;`,
  `${CLG};C-B1;Fabre;Tom;05/06/2012;5EME;C-RB1;Fabre;Marc;06 11 22 33 02;`,
  `${LYC};L-B1;Fabre;Lina;07/08/2008;1ERE;L-RB1;FABRE;Marc;0611223302;`,
  `${CLG};C-P1;Blanc;Louise;09/10/2011;4EME;;;;;`,
  `${CLG};C-Q1;Morel;Yanis;11/11/2011;4EME;C-RQ1;Morel;Nina;06 11 22 33 03;`,
  `${CLG};C-S1;Roche;Emma;12/12/2011;4EME;C-RS1;Roche;Luc;06 11 22 33 04;`,
].join('\n');
const line = (login: string, family: string, given: string, vector: string) =>
  `${login};${ATEN_PASSWORD};${family};${given};${vector}`;
/** The legacy export, loaded with `educonnect aten import`. */
const ATEN_EXPORT = [
  'identifiant;mot_de_passe;nom;prenom;FrEduVecteur',
  line('helene.garnier', 'Garnier', 'Hélène', '1|Garnier|Hélène|C-A1|0861234A'),
  line('helene.garnier', 'Garnier', 'Hélène', '1|Garnier|Hélène|L-A1|0860034C'),
  line('marc.fabre', 'Fabre', 'Marc', '2|Fabre|Marc|C-B1|0861234A'),
  // A second ATEN account of the same person: it must not make a second ÉduConnect account.
  line('m.fabre', 'Fabre', 'Marc', '2|Fabre|Marc|C-B1|0861234A'),
  line('louise.blanc', 'Blanc', 'Louise', '3|Blanc|Louise|C-P1|0861234A'),
  line('nina.morel', 'Morel', 'Nina', '1|Morel|Nina|C-Q1|0861234A'),
  line('luc.roche', 'Roche', 'Luc', '1|Roche|Luc|C-S1|0861234A'),
  line('jean.inconnu', 'Inconnu', 'Jean', '1|Inconnu|Jean|X-404|0861234A'),
].join('\n');
const BAD_EXPORT = [
  'identifiant;mot_de_passe;nom;prenom;FrEduVecteur',
  line('ok.compte', 'Compte', 'Ok', '1|Compte|Ok|C-A1|0861234A'),
  line('mauvais', 'Vecteur', 'Faux', '9|Vecteur|Faux|C-A1|0861234A'),
  line('sans.uai', 'Uai', 'Sans', '1|Uai|Sans|C-A1|86'),
].join('\n');

describe.each(DATABASE_KINDS)('ATEN transition on %s', { timeout: CLI_PROCESS_TIMEOUT_MS }, (kind) => {
  let database: TestDatabase;
  let idp: TestIdp;
  let rp: TestRelyingParty;
  let directory: AtenDirectory;
  let directoryServer: Server;
  let directoryUrl: string;
  let imported: CliResult;
  let refused: CliResult;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await database.release(); // the CLI opens it first, as an operator would before starting the server
    // The CLI as an operator runs it, once (on PGlite: each process costs seconds); on PostgreSQL the
    // same parser and import run in-process.
    if (kind === 'pglite') {
      const dir = await mkdtemp(join(tmpdir(), 'aten-export-'));
      await writeFile(join(dir, 'aten.csv'), ATEN_EXPORT);
      await writeFile(join(dir, 'bad.csv'), BAD_EXPORT);
      imported = await educonnect(database, ['aten', 'import', join(dir, 'aten.csv')]);
      refused = await educonnect(database, ['aten', 'import', join(dir, 'bad.csv')]);
    }

    // The directory listens first: the IdP's configuration names it (ATEN_CAS_URL).
    let handler: ((req: never, res: never) => void) | undefined;
    directoryServer = createServer((req, res) =>
      handler ? handler(req as never, res as never) : res.writeHead(503).end(),
    );
    await new Promise<void>((resolve) => directoryServer.listen(0, '127.0.0.1', resolve));
    directoryUrl = `http://127.0.0.1:${(directoryServer.address() as AddressInfo).port}`;
    idp = await startTestIdp(kind, { database, env: { ATEN_CAS_URL: directoryUrl } });
    directory = createAtenDirectoryApp({
      db: idp.database.db,
      hasher: idp.idp.services.hasher,
      logger: pino({ level: 'silent' }),
      servicePrefixes: [`${idp.baseUrl}/interaction/`],
      csrfSecret: Buffer.alloc(32, 7),
    });
    handler = directory.app.callback() as never;
    if (kind !== 'pglite') {
      const parsed = parseAtenExport(ATEN_EXPORT);
      expect(parseAtenExport(BAD_EXPORT).errors.map((e) => e.line)).toEqual([3, 4]);
      await importDirectoryAccounts(idp.database.db, idp.idp.services.hasher, parsed.accounts);
    }
    const parsed = parseRegistryCsv(REGISTRY);
    expect(parsed.errors).toEqual([]);
    await importRegistry(idp.database.db, parsed.lines);
    rp = await TestRelyingParty.register(idp);
  }, CLI_PROCESS_TIMEOUT_MS);
  afterAll(async () => {
    directory?.close();
    directoryServer?.closeAllConnections();
    await new Promise((resolve) => directoryServer?.close(resolve));
    await idp?.stop();
    await database?.destroy();
  });

  const db = () => idp.database.db;
  const uidOf = (page: Page) => /\/interaction\/([^/?#]+)/.exec(page.url)![1]!;

  /** The service's « Je n'ai pas de compte Educonnect » -> the ATEN login page -> « VALIDER ». */
  async function atenLogin(browser: HttpBrowser, login: string, password = ATEN_PASSWORD) {
    const { request, page: atenPage } = await rp.begin(browser, { transition: 'aten' });
    expect(atenPage.url.startsWith(`${directoryUrl}/login?service=`)).toBe(true);
    const text = textOf(atenPage.html);
    for (const label of [
      'Connexion avec votre compte ATEN',
      'Identifiant ATEN',
      'Mot de passe ATEN',
      'VALIDER',
    ])
      expect(text).toContain(label);
    const page = await browser.submit(
      atenPage,
      '/login',
      { identifiant: login, mot_de_passe: password },
      isCallback,
    );
    return { request, page };
  }

  /** From the EduConnect page after « VALIDER » to « Votre compte est créé ». */
  async function choosePassword(browser: HttpBrowser, welcome: Page) {
    expect(welcome.url).toContain('/aten/bienvenue');
    const passwordPage = await browser.get(
      new URL(`/interaction/${uidOf(welcome)}/aten/mot-de-passe`, idp.baseUrl).href,
    );
    const identifier = /<p class="identifier">([^<]+)<\/p>/.exec(passwordPage.html)?.[1];
    expect(identifier).toMatch(/^[a-z]\.[a-z]+[0-9]{2,}$/);
    const created = await browser.submit(passwordPage, '/aten/mot-de-passe', {
      password: PASSWORD,
      confirmation: PASSWORD,
    });
    return { passwordPage, identifier: identifier!, created };
  }

  const accountOf = (atenLogin: string) =>
    db()
      .selectFrom('aten_transitions as t')
      .innerJoin('accounts as a', 'a.id', 't.account_id')
      .selectAll('a')
      .where('t.aten_login', '=', atenLogin)
      .executeTakeFirst();
  const pupilId = async (registryId: string) =>
    (
      await db()
        .selectFrom('pupils')
        .select('id')
        .where('registry_id', '=', registryId)
        .executeTakeFirstOrThrow()
    ).id;
  const boundPupils = async (accountId: string) =>
    (
      await db()
        .selectFrom('account_pupils as ap')
        .innerJoin('pupils as p', 'p.id', 'ap.pupil_id')
        .select('p.registry_id')
        .where('ap.account_id', '=', accountId)
        .orderBy('p.registry_id')
        .execute()
    ).map((r) => r.registry_id);

  it('loads the legacy export with educonnect aten import, all or nothing', async () => {
    if (kind === 'pglite') {
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.json()).toMatchObject({ accounts: 7, created: 7, updated: 0 });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('ligne 3 : FrEduVecteur invalide');
      expect(refused.stderr).toContain('ligne 4 : FrEduVecteur invalide');
      expect(refused.stderr).toContain("2 lignes invalides : rien n'a été importé");
    }
    const logins = await db()
      .selectFrom('aten_directory_accounts')
      .select(['login', 'password_hash', 'vectors'])
      .execute();
    expect(logins.map((r) => r.login).sort()).not.toContain('ok.compte');
    expect(logins).toHaveLength(7);
    const helene = logins.find((r) => r.login === 'helene.garnier')!;
    expect(helene.password_hash).toMatch(/^\$argon2id\$/);
    expect(helene.vectors).toHaveLength(2);
  });

  it('turns an ATEN parent whose children are all in the registry into one bound ÉduConnect account', async () => {
    const browser = new HttpBrowser();
    const before = await countRows(db(), 'accounts');
    const { request, page: welcome } = await atenLogin(browser, 'helene.garnier');
    expect(welcome.status).toBe(200);
    expect(textOf(welcome.html)).toContain('Bienvenue Hélène Garnier');
    expect(textOf(welcome.html)).toContain('Choisir mon mot de passe');
    const passwordPage = await browser.get(
      new URL(`/interaction/${uidOf(welcome)}/aten/mot-de-passe`, idp.baseUrl).href,
    );
    const text = textOf(passwordPage.html);
    for (const label of [
      'Notez votre identifiant',
      'Mot de passe',
      'Confirmation du nouveau mot de passe',
      'Doit contenir 1 caractère spécial',
      'Confirmer',
    ])
      expect(text).toContain(label);
    const identifier = /<p class="identifier">([^<]+)<\/p>/.exec(passwordPage.html)?.[1];
    expect(identifier).toMatch(/^h\.garnier[0-9]{2}$/);

    // Today's rules, with a clear message; nothing written.
    const weak = await browser.submit(passwordPage, '/aten/mot-de-passe', {
      password: 'court',
      confirmation: 'court',
    });
    expect(weak.status).toBe(400);
    expect(textOf(weak.html)).toContain('Le mot de passe ne respecte pas toutes les règles indiquées.');
    const mismatch = await browser.submit(passwordPage, '/aten/mot-de-passe', {
      password: PASSWORD,
      confirmation: `${PASSWORD}x`,
    });
    expect(mismatch.status).toBe(400);
    expect(textOf(mismatch.html)).toContain('Les deux mots de passe ne sont pas identiques.');
    const noCsrf = await browser.submit(passwordPage, '/aten/mot-de-passe', {
      password: PASSWORD,
      confirmation: PASSWORD,
      _csrf: undefined,
    });
    expect(noCsrf.status).toBe(403);
    const controlCharacter = await browser.submit(passwordPage, '/aten/mot-de-passe', {
      password: `${PASSWORD}\u0000`,
      confirmation: PASSWORD,
    });
    expect(controlCharacter.status).toBe(400);
    expect(await countRows(db(), 'accounts')).toBe(before);
    expect(await countRows(db(), 'aten_transitions')).toBe(0);

    const created = await browser.submit(passwordPage, '/aten/mot-de-passe', {
      password: PASSWORD,
      confirmation: PASSWORD,
    });
    expect(created.status).toBe(200);
    expect(created.url).toContain('/aten/compte-cree');
    expect(textOf(created.html)).toContain('Votre compte est créé');
    expect(textOf(created.html)).toContain(identifier!);
    const account = await accountOf('helene.garnier');
    expect(account).toMatchObject({
      identifier,
      profile: 'responsable_legal',
      given_name: 'Hélène',
      family_name: 'Garnier',
      phone: '+33611223301',
      must_change_password: false,
    });
    expect(account!.password_hash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(account)).not.toContain(ATEN_PASSWORD);
    expect(await boundPupils(account!.id)).toEqual(['C-A1', 'L-A1']);
    const representatives = await db()
      .selectFrom('representatives')
      .select('account_id')
      .where('registry_id', 'in', ['C-RA1', 'L-RA1'])
      .execute();
    expect(representatives.every((r) => r.account_id === account!.id)).toBe(true);

    // « Accéder à mes services »: back to the service, no « Ajout d'élèves » left.
    const callback = await browser.submit(created, '/aten/acces', {}, isCallback);
    expect(callback.url.startsWith(RP_REDIRECT)).toBe(true);
    const tokens = await rp.exchange(callback.url, request);
    // Two establishments in the claims: the ENT shows its chooser.
    const userinfo = await oidc.fetchUserInfo(rp.configuration, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({ educonnect_profile: 'responsable_legal', given_name: 'Hélène' });
    expect((userinfo.establishments as { uai: string }[]).map((e) => e.uai).sort()).toEqual([
      '0860034C',
      '0861234A',
    ]);

    // The new identifier and password work at the next login; the ATEN password is nowhere.
    const events = await db()
      .selectFrom('audit_events')
      .select(['event', 'detail'])
      .where('account_id', '=', account!.id)
      .execute();
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['aten.completed', 'login.success']));
    expect(JSON.stringify(events)).not.toContain(ATEN_PASSWORD);
  });

  it('binds the children named by the ATEN account and asks for the others through « Ajout d’élèves »', async () => {
    const browser = new HttpBrowser();
    const { request, page: welcome } = await atenLogin(browser, 'marc.fabre');
    const { created } = await choosePassword(browser, welcome);
    expect(textOf(created.html)).toContain('Votre compte est créé');
    const account = (await accountOf('marc.fabre'))!;
    expect(await boundPupils(account.id)).toEqual(['C-B1']);

    const addPupils = await browser.submit(created, '/aten/acces', {}, isCallback);
    expect(addPupils.url).toContain('/eleves');
    expect(textOf(addPupils.html)).toContain('Lina Fabre');
    expect(textOf(addPupils.html)).not.toContain('Tom Fabre');
    const lina = await pupilId('L-B1');
    const callback = await browser.submit(
      addPupils,
      '/eleves',
      {
        [`lien_${lina}`]: 'oui',
        [`naissance-${lina}_jour`]: '07',
        [`naissance-${lina}_mois`]: '08',
        [`naissance-${lina}_annee`]: '2008',
      },
      isCallback,
    );
    expect(callback.url.startsWith(RP_REDIRECT)).toBe(true);
    await rp.exchange(callback.url, request);
    expect(await boundPupils(account.id)).toEqual(['C-B1', 'L-B1']);
  });

  it('turns an ATEN pupil into a pupil account bound to its registry row', async () => {
    const browser = new HttpBrowser();
    const { request, page: welcome } = await atenLogin(browser, 'louise.blanc');
    expect(textOf(welcome.html)).toContain('Élève');
    const { identifier, created } = await choosePassword(browser, welcome);
    expect(identifier).toMatch(/^l\.blanc[0-9]{2}$/);
    const account = (await accountOf('louise.blanc'))!;
    expect(account).toMatchObject({
      profile: 'eleve',
      given_name: 'Louise',
      family_name: 'Blanc',
      birth_date: '2011-10-09',
    });
    const pupil = await db()
      .selectFrom('pupils')
      .select('account_id')
      .where('registry_id', '=', 'C-P1')
      .executeTakeFirstOrThrow();
    expect(pupil.account_id).toBe(account.id);
    const callback = await browser.submit(created, '/aten/acces', {}, isCallback);
    expect(callback.url.startsWith(RP_REDIRECT)).toBe(true);
    await rp.exchange(callback.url, request);
  });

  it('allows one ÉduConnect account per ATEN account and per person: a second attempt points to the identifier', async () => {
    const before = await countRows(db(), 'accounts');
    const againBrowser = new HttpBrowser();
    const again = await atenLogin(againBrowser, 'helene.garnier');
    expect(again.page.status).toBe(409);
    const text = textOf(again.page.html);
    expect(text).toContain('Vous avez déjà un compte ÉduConnect');
    expect(text).toContain('Identifiant oublié');
    const identifier = (await accountOf('helene.garnier'))!.identifier;
    expect(text).toContain(
      `il commence par « ${identifier.slice(0, 3)} » et se termine par « ${identifier.slice(-2)} »`,
    );
    expect(text).not.toContain(identifier);
    expect(again.page.html).toContain(`/interaction/${uidOf(again.page)}/login/responsable_legal`);
    // « Identifiant oublié ? » is a link to the recovery of this same login, and that page exists.
    const recoveryHref = `/interaction/${uidOf(again.page)}/identifiant-oublie`;
    expect(again.page.html).toContain(`href="${recoveryHref}"`);
    const recovery = await againBrowser.get(new URL(recoveryHref, idp.baseUrl).href);
    expect(recovery.status).toBe(200);
    expect(textOf(recovery.html)).toContain('Identifiant oublié');

    // Another ATEN account of the same registry person (already bound): no second account either.
    const other = await atenLogin(new HttpBrowser(), 'm.fabre');
    expect(other.page.status).toBe(409);
    expect(textOf(other.page.html)).toContain('Vous avez déjà un compte ÉduConnect');
    expect(await countRows(db(), 'accounts')).toBe(before);
    expect(await countRows(db(), 'aten_transitions')).toBe(3);
  });

  it('creates one account when two browsers of the same ATEN account confirm at once', async () => {
    const [first, second] = [new HttpBrowser(), new HttpBrowser()];
    const a = await atenLogin(first, 'nina.morel');
    const b = await atenLogin(second, 'nina.morel');
    const pages = await Promise.all(
      [
        [first, a.page],
        [second, b.page],
      ].map(([browser, page]) =>
        (browser as HttpBrowser).get(
          new URL(`/interaction/${uidOf(page as Page)}/aten/mot-de-passe`, idp.baseUrl).href,
        ),
      ),
    );
    const results = await Promise.all([
      first.submit(pages[0]!, '/aten/mot-de-passe', { password: PASSWORD, confirmation: PASSWORD }),
      second.submit(pages[1]!, '/aten/mot-de-passe', { password: PASSWORD, confirmation: PASSWORD }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const accounts = await db()
      .selectFrom('accounts')
      .select('id')
      .where('family_name', '=', 'Morel')
      .execute();
    expect(accounts).toHaveLength(1);
  });

  it('refuses a wrong ATEN password with the one generic message, and issues no ticket', async () => {
    const browser = new HttpBrowser();
    const tickets = await countRows(db(), 'aten_directory_tickets');
    for (const [login, password] of [
      ['luc.roche', 'Mauvais#Mot2'],
      ['personne.inconnue', 'Mauvais#Mot2'],
    ] as const) {
      const { page } = await atenLogin(browser, login, password);
      expect(page.status).toBe(401);
      expect(page.url.startsWith(directoryUrl)).toBe(true);
      expect(textOf(page.html)).toContain("L'identifiant ou le mot de passe est incorrect");
    }
    const empty = await atenLogin(browser, '', '');
    expect(empty.page.status).toBe(400);
    expect(textOf(empty.page.html)).toContain('Saisissez votre identifiant ATEN.');
    expect(await countRows(db(), 'aten_directory_tickets')).toBe(tickets);
    expect(await accountOf('luc.roche')).toBeUndefined();
  });

  it('refuses a replayed or forged ticket, a foreign service, and ATEN accounts whose pupils are unknown', async () => {
    const browser = new HttpBrowser();
    const { page: welcome } = await atenLogin(browser, 'luc.roche');
    expect(welcome.url).toContain('/aten/bienvenue');
    const retour = browser.history.find((url) => url.includes('/aten/retour?ticket='))!;
    // Without `transition=aten` the service gets the usual profile choice.
    const usual = await rp.begin(new HttpBrowser(), {});
    expect(textOf(usual.page.html)).toContain('Je sélectionne mon profil');
    // The same interaction again: back to where the transition stands.
    const replay = await browser.get(retour);
    expect(replay.url).toContain('/aten/bienvenue');
    // Another interaction with the spent ticket: refused by the directory.
    const stranger = new HttpBrowser();
    const { page: strangerAten } = await rp.begin(stranger, { transition: 'aten' });
    const service = new URL(strangerAten.url).searchParams.get('service')!;
    const spent = await stranger.get(`${service}?ticket=${new URL(retour).searchParams.get('ticket')}`);
    expect(spent.status).toBe(400);
    expect(textOf(spent.html)).toContain('La connexion ATEN n’a pas abouti');
    const forged = await stranger.get(`${service}?ticket=${encodeURIComponent('<script>')}`);
    expect(forged.status).toBe(400);

    const foreign = await fetch(
      `${directoryUrl}/login?service=${encodeURIComponent('https://evil.example/')}`,
    );
    expect(foreign.status).toBe(400);
    expect(textOf(await foreign.text())).toContain('Service non autorisé');

    const before = await countRows(db(), 'accounts');
    const unknown = await atenLogin(new HttpBrowser(), 'jean.inconnu');
    expect(unknown.page.status).toBe(403);
    expect(textOf(unknown.page.html)).toContain('ne figurent pas dans la base élèves');
    expect(await countRows(db(), 'accounts')).toBe(before);
  });

  it('closes the path after ATEN_CLOSES_AT with a French page', async () => {
    const browser = new HttpBrowser();
    const { page: welcome } = await atenLogin(browser, 'luc.roche');
    expect(welcome.status).toBe(200);
    const closesAt = idp.config.atenClosesAt;
    idp.config.atenClosesAt = new Date(Date.now() - 1000);
    try {
      const closed = await rp.begin(new HttpBrowser(), { transition: 'aten' });
      expect(closed.page.status).toBe(410);
      const text = textOf(closed.page.html);
      expect(text).toContain('Les comptes ATEN ne sont plus acceptés');
      expect(text).toMatch(
        /Depuis le \d{1,2} \S+ \d{4}, un compte ATEN ne permet plus de créer un compte ÉduConnect/,
      );
      // A transition already under way stops too, nothing written.
      const passwordPage = await browser.get(
        new URL(`/interaction/${uidOf(welcome)}/aten/mot-de-passe`, idp.baseUrl).href,
      );
      expect(passwordPage.status).toBe(410);
      expect(await accountOf('luc.roche')).toBeUndefined();
    } finally {
      idp.config.atenClosesAt = closesAt;
    }
  });
  it('answers any posted value with a French 4xx page and writes nothing (fuzzed)', async () => {
    const samples = [
      '',
      ' ',
      '\u0000',
      'a\u0000b',
      '\u001b[31m',
      '\u202e',
      '\ud800',
      '😀',
      'e\u0301',
      '%00',
      '[]',
      '<script>alert(1)</script>',
      "' or 1=1 --",
      'x'.repeat(300),
      'Aten#2026',
      PASSWORD,
      'luc.roche',
      'مرحبا',
    ];
    const value = fc.oneof(fc.constantFrom(...samples), fc.string({ unit: 'grapheme', maxLength: 20 }));
    const field = (name: string) =>
      fc.oneof(
        { weight: 4, arbitrary: value.map((v) => [[name, v]] as [string, string][]) },
        {
          weight: 1,
          arbitrary: fc
            .array(value, { minLength: 2, maxLength: 3 })
            .map((vs) => vs.map((v) => [name, v] as [string, string])),
        },
        { weight: 1, arbitrary: value.map((v) => [[`${name}[a]`, v]] as [string, string][]) },
        { weight: 1, arbitrary: fc.constant([] as [string, string][]) },
      );
    const body = (csrf: string, pairs: [string, string][][]) =>
      new URLSearchParams([['_csrf', csrf], ...pairs.flat()]).toString();
    const guarded = async () =>
      Promise.all(
        ['accounts', 'aten_transitions', 'aten_directory_tickets', 'account_pupils'].map((t) =>
          countRows(db(), t),
        ),
      );

    // ÉduConnect's « Confirmer », the transition at `authenticated`.
    const browser = new HttpBrowser();
    const { page: welcome } = await atenLogin(browser, 'luc.roche');
    const passwordPage = await browser.get(
      new URL(`/interaction/${uidOf(welcome)}/aten/mot-de-passe`, idp.baseUrl).href,
    );
    const action = formsOf(passwordPage.html, passwordPage.url)[0]!;
    const before = await guarded();
    await fc.assert(
      fc.asyncProperty(fc.tuple(field('password'), field('confirmation')), async (pairs) => {
        const page = await browser.request(action.action, {
          method: 'POST',
          body: body(action.fields._csrf!, pairs),
        });
        expect(page.status).toBeGreaterThanOrEqual(400);
        expect(page.status).toBeLessThan(500);
        expect(page.html).not.toMatch(/\n\s+at /);
      }),
      { seed: 17, numRuns: 40 },
    );
    // The directory's « VALIDER ».
    const directoryPage = (await rp.begin(new HttpBrowser(), { transition: 'aten' })).page;
    const login = formsOf(directoryPage.html, directoryPage.url)[0]!;
    const visitor = new HttpBrowser();
    await visitor.get(directoryPage.url);
    const token = formsOf((await visitor.get(directoryPage.url)).html, directoryPage.url)[0]!.fields._csrf!;
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(field('identifiant'), field('mot_de_passe'), field('service')),
        async (pairs) => {
          const withService =
            pairs[2].length === 0
              ? [[['service', login.fields.service!]] as [string, string][], pairs[0], pairs[1]]
              : pairs;
          const page = await visitor.request(login.action, {
            method: 'POST',
            body: body(token, withService),
          });
          expect(page.status).toBeGreaterThanOrEqual(400);
          expect(page.status).toBeLessThan(500);
          expect(page.html).not.toMatch(/\n\s+at /);
        },
      ),
      { seed: 17, numRuns: 40 },
    );
    expect(await guarded()).toEqual(before);
  });
});
