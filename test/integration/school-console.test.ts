import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throttleKey } from '../../src/domain/accounts/throttle.js';
import { parseRegistryCsv, REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { importRegistry } from '../../src/domain/registry/import.js';
import { findRepresentatives } from '../../src/domain/registry/registry.js';
import { establishmentStatistics } from '../../src/domain/school/establishment.js';
import type { CreatedStaff } from '../../src/domain/school/staff.js';
import { deriveSecret } from '../../src/domain/secrets.js';
import { formsOf, HttpBrowser, type Page, textOf } from '../helpers/browser.js';
import { countRows, DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { isCallback, loginWithPassword, RP_REDIRECT, TestRelyingParty } from '../helpers/relying-party.js';
import { createTestStaff, pdfText, signInStaff, totpCode } from '../helpers/school.js';

const CLG = '0861234A';
const LYC = '0860034C';
const REGISTRY = [
  REGISTRY_COLUMNS.join(';'),
  `${CLG};Collège Jean Moulin;C-E1;Durand;Léo;10/05/2012;5EME;C-R1;Durand;Sophie;;`,
  `${CLG};Collège Jean Moulin;C-E2;Roux;Jade;04/04/2012;5EME;C-R2;Roux;Nadia;06 55 44 33 01;`,
  `${CLG};Collège Jean Moulin;C-E3;Petit;Nathan;02/07/2011;4EME;C-R3;Petit;Karim;07 12 34 56 02;`,
  `${LYC};Lycée Camille Guérin;L-E1;Nguyen;Inès;02/11/2009;2NDE;L-R1;Nguyen;Thi;07 12 34 56 78;`,
].join('\n');
const NEW_PASSWORD = 'Cahier-Bleu-2026!';

describe.each(DATABASE_KINDS)('school console and school-issued accounts on %s', (kind) => {
  let idp: TestIdp;
  let rp: TestRelyingParty;
  let college: CreatedStaff;
  let lycee: CreatedStaff;
  /** College staff, signed in once for the whole file (a TOTP code is accepted once). */
  const staff = new HttpBrowser();
  /** Lycée staff, signed in once too. */
  const other = new HttpBrowser();

  beforeAll(async () => {
    idp = await startTestIdp(kind);
    const parsed = parseRegistryCsv(REGISTRY);
    expect(parsed.errors).toEqual([]);
    await importRegistry(idp.database.db, parsed.lines);
    rp = await TestRelyingParty.register(idp);
    college = await createTestStaff(idp, `clg.${kind}`, [CLG]);
    lycee = await createTestStaff(idp, `lyc.${kind}`, [LYC]);
  }, 120_000);
  afterAll(async () => {
    await idp?.stop();
  });

  const db = () => idp.database.db;
  const url = (path: string) => `${idp.baseUrl}${path}`;
  const rowId = async (table: 'pupils' | 'representatives', registryId: string) =>
    (
      await db()
        .selectFrom(table)
        .select('id')
        .where('registry_id', '=', registryId)
        .executeTakeFirstOrThrow()
    ).id;

  /** Posts the form of `page` whose action contains `action` and returns the raw response (a PDF...). */
  async function postRaw(browser: HttpBrowser, page: Page, action: string, values: Record<string, string>) {
    const form = formsOf(page.html, page.url).find((f) => f.action.includes(action));
    if (!form) throw new Error(`no form ${action} on ${page.url}`);
    return fetch(form.action, {
      method: 'POST',
      headers: {
        cookie: browser.cookiesFor(form.action),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ ...form.fields, ...values }).toString(),
      redirect: 'manual',
    });
  }

  it('signs staff in with a password and a TOTP code, and never accepts a code twice', async () => {
    const anonymous = await new HttpBrowser().get(url(`/etablissement/${CLG}/eleves`));
    expect(anonymous.url).toBe(url('/etablissement/connexion'));
    expect(textOf(anonymous.html)).toContain("Connexion à la console de l'établissement");

    const wrong = new HttpBrowser();
    const form = await wrong.get(url('/etablissement/connexion'));
    const refused = await wrong.submit(form, '/etablissement/connexion', {
      identifier: college.identifier,
      password: 'Mauvais-mot-2026!',
    });
    expect(refused.status).toBe(401);
    expect(textOf(refused.html)).toContain("L'identifiant ou le mot de passe est incorrect");
    const second = await wrong.submit(refused, '/etablissement/connexion', { password: college.password });
    expect(textOf(second.html)).toContain('Code de vérification');
    // The password alone reaches nothing.
    expect((await wrong.get(url(`/etablissement/${CLG}/eleves`))).url).toBe(url('/etablissement/connexion'));
    const badCode = await wrong.submit(second, '/etablissement/verification', { code: '12345' });
    expect(badCode.status).toBe(400);
    expect(textOf(badCode.html)).toContain('Saisissez les 6 chiffres du code.');

    const list = await signInStaff(staff, idp.baseUrl, college);
    expect(list.url).toBe(url(`/etablissement/${CLG}/eleves`));
    expect(textOf(list.html)).toContain('Léo Durand');
    expect(textOf(list.html)).toContain('Pas de compte');

    // The same code, in the other browser waiting for its second factor: refused (replay).
    const replay = await wrong.submit(badCode, '/etablissement/verification', {
      code: await totpCode(college),
    });
    expect(replay.status).toBe(401);
    expect(textOf(replay.html)).toContain('Ce code est incorrect ou a déjà servi.');
    const audit = await db()
      .selectFrom('audit_events')
      .select(['event', 'detail'])
      .where('event', 'like', 'staff.%')
      .execute();
    expect(audit.map((a) => a.event)).toContain('staff.login');
    expect(audit.find((a) => a.event === 'staff.login')?.detail).toMatchObject({ staffId: college.id });
  });

  it('shows staff of another establishment nothing of this one, direct URLs included', async () => {
    const home = await signInStaff(other, idp.baseUrl, lycee);
    expect(home.url).toBe(url(`/etablissement/${LYC}/eleves`));
    expect(textOf(home.html)).not.toContain('Léo');
    for (const path of ['eleves', 'representants', 'statistiques', 'signalements', 'numeros']) {
      const page = await other.get(url(`/etablissement/${CLG}/${path}`));
      expect(page.status).toBe(404);
      expect(textOf(page.html)).not.toContain('Jean Moulin');
    }
    const leo = await rowId('pupils', 'C-E1');
    // A pupil of the college through the lycée's own URL: refused, nothing written.
    const before = await countRows(db(), 'accounts');
    const crossed = await postRaw(other, home, '/notifications', { kind: 'eleve', id: leo, format: 'html' });
    expect(crossed.status).toBe(409);
    expect(await crossed.text()).toContain("n'appartient pas à cet établissement");
    // The form of the lycée posted to the college's URL: « Page introuvable ».
    const form = formsOf(home.html, home.url).find((f) => f.action.includes('/notifications'))!;
    const direct = await fetch(url(`/etablissement/${CLG}/notifications`), {
      method: 'POST',
      headers: { cookie: other.cookiesFor(form.action), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, kind: 'eleve', id: leo, format: 'pdf' }).toString(),
    });
    expect(direct.status).toBe(404);
    expect(await countRows(db(), 'accounts')).toBe(before);
    expect(await countRows(db(), 'account_notifications')).toBe(0);
  });

  it('refuses bad input with a clear page and writes nothing', async () => {
    const list = await staff.get(url(`/etablissement/${CLG}/eleves?niveau=5EME`));
    const badFormat = await postRaw(staff, list, '/notifications', {
      kind: 'eleve',
      niveau: '5EME',
      format: 'docx',
    });
    expect(badFormat.status).toBe(400);
    expect(await badFormat.text()).toContain('Formulaire invalide');
    const noCsrf = await postRaw(staff, list, '/notifications', {
      kind: 'eleve',
      niveau: '5EME',
      format: 'pdf',
      _csrf: 'x',
    });
    expect(noCsrf.status).toBe(403);
    expect(await countRows(db(), 'account_notifications')).toBe(0);
    expect(await countRows(db(), 'accounts')).toBe(0);
  });

  let leoIdentifier = '';
  let leoPassword = '';

  it('issues a class’s notifications as a PDF whose pages give each identifier and temporary password', async () => {
    const list = await staff.get(url(`/etablissement/${CLG}/eleves?niveau=5EME`));
    expect(textOf(list.html)).toContain('Niveau 5EME');
    const response = await postRaw(staff, list, '/notifications', {
      kind: 'eleve',
      niveau: '5EME',
      format: 'pdf',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const { text, pages } = await pdfText(new Uint8Array(await response.arrayBuffer()));
    expect(pages).toBe(2);
    const accounts = await db()
      .selectFrom('pupils')
      .innerJoin('accounts', 'accounts.id', 'pupils.account_id')
      .select([
        'pupils.registry_id',
        'accounts.identifier',
        'accounts.must_change_password',
        'accounts.birth_date',
      ])
      .orderBy('pupils.registry_id')
      .execute();
    expect(accounts.map((a) => a.registry_id)).toEqual(['C-E1', 'C-E2']);
    for (const account of accounts) expect(text).toContain(account.identifier);
    expect(accounts.every((a) => a.must_change_password)).toBe(true);
    expect(text).toContain('Mot de passe provisoire');
    expect(text).toContain('Né(e) le');
    leoIdentifier = accounts[0]!.identifier;
    const block = text.slice(text.indexOf(leoIdentifier));
    leoPassword = /Mot de passe provisoire : (\S+)/.exec(block)![1]!;
    const notifications = await db().selectFrom('account_notifications').selectAll().execute();
    expect(notifications).toHaveLength(2);
    const days = (notifications[0]!.expires_at.getTime() - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(90);
    const after = await staff.get(url(`/etablissement/${CLG}/eleves?niveau=5EME`));
    expect(textOf(after.html)).toContain('Notification éditée (expire le');
  });

  it('takes a pupil through the first login: new password (not the temporary one), birth date, then the service', async () => {
    const browser = new HttpBrowser();
    const { request, page: choice } = await rp.begin(browser);
    const change = await loginWithPassword(browser, choice, 'eleve', leoIdentifier, leoPassword);
    expect(textOf(change.html)).toContain('Je choisis mon nouveau mot de passe');
    const same = await browser.submit(change, '/password', {
      password: leoPassword,
      confirmation: leoPassword,
    });
    expect(same.status).toBe(400);
    expect(textOf(same.html)).toContain('Choisissez un mot de passe différent du mot de passe provisoire.');
    const birth = await browser.submit(same, '/password', {
      password: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    });
    expect(textOf(birth.html)).toContain('Je confirme mon identité');
    const invalid = await browser.submit(birth, '/naissance', {
      naissance_jour: '31',
      naissance_mois: '02',
      naissance_annee: '2012',
    });
    expect(invalid.status).toBe(400);
    expect(textOf(invalid.html)).toContain('Saisissez une date de naissance valide');
    const wrong = await browser.submit(invalid, '/naissance', {
      naissance_jour: '11',
      naissance_mois: '05',
      naissance_annee: '2012',
    });
    expect(textOf(wrong.html)).toContain('Il vous reste 4 essais.');
    const callback = await browser.submit(
      wrong,
      '/naissance',
      { naissance_jour: '10', naissance_mois: '5', naissance_annee: '2012' },
      isCallback,
    );
    expect(callback.url.startsWith(RP_REDIRECT)).toBe(true);
    const tokens = await rp.exchange(callback.url, request);
    const userinfo = await oidc.fetchUserInfo(rp.configuration, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({
      educonnect_profile: 'eleve',
      establishment: { uai: CLG, name: 'Collège Jean Moulin' },
      level: '5EME',
    });
    const list = await staff.get(url(`/etablissement/${CLG}/eleves?q=durand`));
    expect(textOf(list.html)).toContain('Compte activé');
    expect(textOf(list.html)).not.toContain('Jade');
  });

  it('locks a pupil after 5 wrong birth dates until the school reissues a notification', async () => {
    const jade = await rowId('pupils', 'C-E2');
    const list = await staff.get(url(`/etablissement/${CLG}/eleves`));
    const reissued = await staff.submit(list, '/notifications', { kind: 'eleve', id: jade, format: 'html' });
    const sheet = textOf(reissued.html);
    expect(sheet).toContain('Notifications à imprimer');
    const identifier = /Identifiant (\S+)/.exec(sheet)![1]!;
    const password = /Mot de passe provisoire (\S+)/.exec(sheet)![1]!;

    const browser = new HttpBrowser();
    const { page: choice } = await rp.begin(browser);
    const change = await loginWithPassword(browser, choice, 'eleve', identifier, password);
    let page = await browser.submit(change, '/password', {
      password: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    });
    for (let i = 0; i < 4; i++)
      page = await browser.submit(page, '/naissance', {
        naissance_jour: '1',
        naissance_mois: '1',
        naissance_annee: '2012',
      });
    expect(textOf(page.html)).toContain('Il vous reste 1 essai.');
    const locked = await browser.submit(page, '/naissance', {
      naissance_jour: '1',
      naissance_mois: '1',
      naissance_annee: '2012',
    });
    expect(locked.status).toBe(403);
    expect(textOf(locked.html)).toContain('Votre compte est bloqué');
    expect(textOf((await staff.get(url(`/etablissement/${CLG}/eleves?q=roux`))).html)).toContain(
      'Compte bloqué',
    );

    // Reset: a new notification replaces the temporary password and lifts the lock.
    const again = await staff.submit(
      await staff.get(url(`/etablissement/${CLG}/eleves?q=roux`)),
      '/notifications',
      {
        kind: 'eleve',
        id: jade,
        format: 'html',
      },
    );
    const newPassword = /Mot de passe provisoire (\S+)/.exec(textOf(again.html))![1]!;
    expect(newPassword).not.toBe(password);
    const second = new HttpBrowser();
    const { page: choice2 } = await rp.begin(second);
    const oldRefused = await loginWithPassword(second, choice2, 'eleve', identifier, NEW_PASSWORD);
    expect(oldRefused.status).toBe(401);
    const change2 = await second.submit(oldRefused, '/login', { identifier, password: newPassword });
    const birth = await second.submit(change2, '/password', {
      password: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    });
    const done = await second.submit(
      birth,
      '/naissance',
      { naissance_jour: '04', naissance_mois: '04', naissance_annee: '2012' },
      isCallback,
    );
    expect(done.url.startsWith(RP_REDIRECT)).toBe(true);
  });

  it('says an expired temporary password has expired, never the generic login error', async () => {
    const nathan = await rowId('pupils', 'C-E3');
    const list = await staff.get(url(`/etablissement/${CLG}/eleves`));
    const sheet = textOf(
      (await staff.submit(list, '/notifications', { kind: 'eleve', id: nathan, format: 'html' })).html,
    );
    const identifier = /Identifiant (\S+)/.exec(sheet)![1]!;
    const password = /Mot de passe provisoire (\S+)/.exec(sheet)![1]!;
    await sql`update account_notifications set expires_at = now() - interval '1 day'
      where account_id = (select account_id from pupils where id = ${nathan})`.execute(db());
    const browser = new HttpBrowser();
    const { page: choice } = await rp.begin(browser);
    const expired = await loginWithPassword(browser, choice, 'eleve', identifier, password);
    expect(expired.status).toBe(401);
    expect(textOf(expired.html)).toContain(
      "Ce mot de passe provisoire a expiré : demandez-en un nouveau à l'établissement",
    );
    expect(textOf((await staff.get(url(`/etablissement/${CLG}/eleves?q=petit`))).html)).toContain(
      'Notification expirée',
    );
    // A wrong password for the same account still gets the generic message.
    const wrong = await browser.submit(expired, '/login', { identifier, password: 'Pas-le-bon-2026!' });
    expect(textOf(wrong.html)).toContain("L'identifiant ou le mot de passe est incorrect");
  });

  it('takes a parent without a mobile from the notification to the service: children, then a confirmed email', async () => {
    const sophie = await rowId('representatives', 'C-R1');
    const list = await staff.get(url(`/etablissement/${CLG}/representants`));
    expect(textOf(list.html)).toContain('Sophie Durand');
    const sheet = textOf(
      (await staff.submit(list, '/notifications', { kind: 'representant', id: sophie, format: 'html' })).html,
    );
    expect(sheet).toContain('Élève Léo Durand');
    const identifier = /Identifiant (\S+)/.exec(sheet)![1]!;
    const password = /Mot de passe provisoire (\S+)/.exec(sheet)![1]!;
    const linked = await db()
      .selectFrom('representatives')
      .select('account_id')
      .where('id', '=', sophie)
      .executeTakeFirstOrThrow();
    expect(linked.account_id).toBeTruthy();

    const browser = new HttpBrowser();
    const { request, page: choice } = await rp.begin(browser);
    const change = await loginWithPassword(browser, choice, 'responsable_legal', identifier, password);
    const children = await browser.submit(change, '/password', {
      password: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    });
    expect(textOf(children.html)).toContain('Léo');
    const leo = await rowId('pupils', 'C-E1');
    const address = await browser.submit(children, '/eleves', {
      [`lien_${leo}`]: 'oui',
      [`naissance-${leo}_jour`]: '10',
      [`naissance-${leo}_mois`]: '05',
      [`naissance-${leo}_annee`]: '2012',
    });
    expect(textOf(address.html)).toContain("J'indique mon adresse électronique");
    const invalid = await browser.submit(address, '/courriel', { courriel: 'sophie@' });
    expect(invalid.status).toBe(400);
    expect(textOf(invalid.html)).toContain('Saisissez une adresse électronique valide');
    expect(await countRows(db(), 'email_confirmations')).toBe(0);
    const gate = await browser.submit(invalid, '/courriel', { courriel: ' Sophie.Durand@Exemple.fr ' });
    expect(textOf(gate.html)).toContain('Confirmez votre adresse électronique');
    expect(textOf(gate.html)).toContain('sophie.durand@exemple.fr');
    // Until the link is opened, « Continuer » stays here: no service receives the identity.
    const still = await browser.get(gate.url, isCallback);
    expect(textOf(still.html)).toContain('Confirmez votre adresse électronique');
    const resend = await browser.submit(still, '/courriel/renvoi');
    expect(resend.status).toBe(429);
    expect(textOf(resend.html)).toContain('avant de demander un nouveau lien');

    const mail = await fetch(url(`/dev/outbox?to=${encodeURIComponent('sophie.durand@exemple.fr')}`));
    const [message] = (await mail.json()) as { body: string }[];
    const link = /(http:\/\/\S+\/courriel\/confirmer\/[A-Za-z0-9_-]+)/.exec(message!.body)![1]!;
    const confirmPage = await browser.get(link);
    await browser.submit(confirmPage, '/courriel/confirmer/');
    const next = await browser.get(gate.url, isCallback);
    expect(next.url.startsWith(RP_REDIRECT)).toBe(true);
    const tokens = await rp.exchange(next.url, request);
    const userinfo = await oidc.fetchUserInfo(rp.configuration, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({
      educonnect_profile: 'responsable_legal',
      establishments: [{ uai: CLG }],
    });
    expect(textOf((await staff.get(url(`/etablissement/${CLG}/representants?q=sophie`))).html)).toContain(
      'Compte activé',
    );

    // Reissuing for the same registry row reuses the account, never a second one.
    const accounts = await countRows(db(), 'accounts');
    await staff.submit(await staff.get(url(`/etablissement/${CLG}/representants`)), '/notifications', {
      kind: 'representant',
      id: sophie,
      format: 'html',
    });
    expect(await countRows(db(), 'accounts')).toBe(accounts);
  });

  it('unlocks a throttled account and flags a class for a password change', async () => {
    const secret = deriveSecret(idp.config.secretKey, 'throttle');
    await db()
      .insertInto('login_throttle')
      .values({
        key: throttleKey(secret, 'account', leoIdentifier),
        failures: 9,
        window_start: new Date(),
        blocked_until: new Date(Date.now() + 600_000),
      })
      .execute();
    const list = await staff.get(url(`/etablissement/${CLG}/eleves?q=durand`));
    expect(textOf(list.html)).toContain('Compte bloqué');
    const leo = await rowId('pupils', 'C-E1');
    const unlocked = await staff.submit(list, '/deblocage', { id: leo });
    expect(textOf(unlocked.html)).toContain('Le compte est débloqué');
    expect(textOf(unlocked.html)).toContain('Compte activé');

    const level = await staff.get(url(`/etablissement/${CLG}/eleves?niveau=5EME`));
    const flagged = await staff.submit(level, '/mot-de-passe-a-changer', { niveau: '5EME' });
    expect(textOf(flagged.html)).toContain('Le changement de mot de passe sera demandé');
    const rows = await db()
      .selectFrom('pupils')
      .innerJoin('accounts', 'accounts.id', 'pupils.account_id')
      .select(['pupils.level', 'accounts.must_change_password'])
      .execute();
    expect(rows.filter((r) => r.level === '5EME').every((r) => r.must_change_password)).toBe(true);
    expect(rows.filter((r) => r.level === '4EME').every((r) => r.must_change_password)).toBe(true); // still a notification
    const events = await db()
      .selectFrom('audit_events')
      .select(['event', 'detail'])
      .where('event', 'in', ['school.account_unlocked', 'school.password_change_forced'])
      .execute();
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events.every((e) => (e.detail as { staffId?: string }).staffId === college.id)).toBe(true);
  });

  it('counts accounts, unused notifications and activations in the statistics', async () => {
    const stats = await establishmentStatistics(db(), CLG);
    expect(stats).toMatchObject({
      representatives: 3,
      representativesWithAccount: 1,
      pupils: 3,
      pupilsWithAccount: 3,
      notificationsUnused: 1, // Sophie's reissued notification
      notificationsExpired: 1, // Nathan's
    });
    expect(stats.activationsPerWeek).toHaveLength(8);
    expect(stats.activationsPerWeek.at(-1)!.count).toBe(2); // Léo and Jade this week
    const page = await staff.get(url(`/etablissement/${CLG}/statistiques`));
    const text = textOf(page.html);
    expect(text).toContain('Représentants légaux avec un compte 1 sur 3 (33 %)');
    expect(text).toContain('Élèves avec un compte 3 sur 3 (100 %)');
    expect(page.html).toContain('<svg');
  });

  it('lists « Je ne suis pas le représentant légal » reports and marks them handled', async () => {
    const sophie = await db()
      .selectFrom('representatives')
      .select('account_id')
      .where('registry_id', '=', 'C-R1')
      .executeTakeFirstOrThrow();
    const nathan = await rowId('pupils', 'C-E3');
    await db()
      .insertInto('pupil_link_reports')
      .values({ account_id: sophie.account_id!, pupil_id: nathan })
      .execute();
    const page = await staff.get(url(`/etablissement/${CLG}/signalements`));
    expect(textOf(page.html)).toContain('Nathan Petit');
    const handled = await staff.submit(page, '/signalements');
    expect(textOf(handled.html)).toContain('Le signalement est marqué comme traité.');
    expect(textOf(handled.html)).toContain('Traité le');
    const row = await db().selectFrom('pupil_link_reports').selectAll().executeTakeFirstOrThrow();
    expect(row.handled_by).toBe(college.id);
  });

  it('routes a phone-mismatch request to the child’s establishment; the new number then activates', async () => {
    const browser = new HttpBrowser();
    const { page: choice } = await rp.begin(browser);
    const uid = /\/interaction\/([^/?#]+)/.exec(choice.url)![1]!;
    const noMobile = await browser.get(url(`/interaction/${uid}/activation/sans-portable`));
    expect(textOf(noMobile.html)).toContain("Signaler à l'établissement que mon numéro a changé");
    const form = await browser.get(url(`/interaction/${uid}/numero-change`));
    const invalid = await browser.submit(form, '/numero-change', {
      nom: 'Roux',
      prenom: '',
      telephone: '12',
    });
    expect(invalid.status).toBe(400);
    expect(textOf(invalid.html)).toContain('Saisissez un numéro de téléphone portable valide.');
    expect(await countRows(db(), 'phone_change_requests')).toBe(0);
    const fields = {
      nom: 'ROUX',
      prenom: 'Nadia',
      telephone: '06 11 22 33 44',
      eleve_nom: 'Roux',
      eleve_prenom: 'Jade',
      'eleve-naissance_jour': '04',
      'eleve-naissance_mois': '04',
      'eleve-naissance_annee': '2012',
    };
    const sent = await browser.submit(form, '/numero-change', fields);
    // A request matching nobody gets the very same page.
    const unknown = await browser.submit(form, '/numero-change', { ...fields, eleve_prenom: 'Inconnue' });
    expect(textOf(unknown.html)).toBe(textOf(sent.html));
    expect(await countRows(db(), 'phone_change_requests')).toBe(1);

    expect(textOf((await other.get(url(`/etablissement/${LYC}/numeros`))).html)).toContain('Aucune demande.');
    const requests = await staff.get(url(`/etablissement/${CLG}/numeros`));
    expect(textOf(requests.html)).toContain('Nadia ROUX');
    expect(textOf(requests.html)).toContain('+33611223344');
    const applied = await staff.submit(requests, '/numeros/', { decision: 'accepter' });
    expect(textOf(applied.html)).toContain('Le numéro est mis à jour');
    const found = await findRepresentatives(db(), {
      familyName: 'Roux',
      givenName: 'Nadia',
      mobile: '+33611223344',
    });
    expect(found).toHaveLength(1);
  });
});
