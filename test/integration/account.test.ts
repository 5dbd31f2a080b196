import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistryCsv, REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { importRegistry } from '../../src/domain/registry/import.js';
import { HttpBrowser, type Page, textOf } from '../helpers/browser.js';
import { countRows, DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { isCallback, loginWithPassword, TestRelyingParty } from '../helpers/relying-party.js';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-server.js';

const PASSWORD = 'Trousse-Verte-42';
const NEW_PASSWORD = 'Cahier-Rouge-77';
const CLG = '0861234A;Collège Jean Moulin';
const LYC = '0860034C;Lycée Camille Guérin';
const REGISTRY = [
  REGISTRY_COLUMNS.join(';'),
  `${CLG};C-E1;Garnier;Lina;12/12/2012;5EME;C-R1;Garnier;Marc;06 55 44 33 11;`,
].join('\n');
/** Found in the registry after the parent's login: offered by « Ajout d'élèves » on demand. */
const NEW_PUPIL = `${LYC};L-E1;Garnier;Tom;03/04/2008;1ERE;L-R1;Garnier;Marc;06 55 44 33 11;`;
const linkIn = (text: string) => /(http:\/\/\S+\/courriel\/confirmer\/[A-Za-z0-9_-]+)/.exec(text)?.[1];

describe.each(DATABASE_KINDS)('« Mon compte » on %s', (kind) => {
  let idp: TestIdp;
  let smtp: SmtpCatcher;
  let rp: TestRelyingParty;
  let accountId: string;
  /** The browser signed in to « Mon compte » for the whole file. */
  let browser: HttpBrowser;
  let home: Page;

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    idp = await startTestIdp(kind, {
      env: {
        EMAIL_TRANSPORT: 'smtp',
        SMTP_URL: smtp.url,
        OUTBOX_POLL_MS: '50',
        SMS_RESEND_COOLDOWN_SECONDS: '0',
      },
    });
    await importRegistry(idp.database.db, parseRegistryCsv(REGISTRY).lines);
    rp = await TestRelyingParty.register(idp, { name: 'ENT du collège' });
    const account = await idp.database.db
      .insertInto('accounts')
      .values({
        profile: 'responsable_legal',
        identifier: 'm.garnier11',
        given_name: 'Marc',
        family_name: 'Garnier',
        password_hash: await idp.idp.services.hasher.hash(PASSWORD),
        phone: '+33655443311',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    accountId = account.id;
    // Lina is bound already; Tom, newly found in the registry, is not
    const lina = await idp.database.db
      .selectFrom('pupils')
      .select('id')
      .where('given_name', '=', 'Lina')
      .executeTakeFirstOrThrow();
    await idp.database.db
      .insertInto('account_pupils')
      .values({ account_id: accountId, pupil_id: lina.id })
      .execute();
    await idp.database.db
      .updateTable('representatives')
      .set({ account_id: accountId })
      .where('registry_id', '=', 'C-R1')
      .execute();
  }, 60_000);
  afterAll(async () => {
    await idp?.stop();
    await smtp?.close();
  });

  const url = (path: string) => `${idp.baseUrl}${path}`;
  const stored = () =>
    idp.database.db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirstOrThrow();

  /** From `/`: « Sélection du profil », then the login form, ending on « Mon compte ». */
  async function portalLogin(client: HttpBrowser, password = PASSWORD) {
    const choice = await client.get(url('/'));
    expect(textOf(choice.html)).toContain('Je sélectionne mon profil');
    expect(textOf(choice.html)).not.toContain('Vous vous connectez au service');
    return loginWithPassword(client, choice, 'responsable_legal', 'm.garnier11', password);
  }

  /** A service signed in with a refresh token, in `client`'s browser. */
  async function serviceLogin(client: HttpBrowser, scope = 'openid profile offline_access') {
    const { request, page } = await rp.begin(client, { scope, prompt: 'consent' });
    const callback = isCallback(page.url)
      ? page
      : await loginWithPassword(client, page, 'responsable_legal', 'm.garnier11', PASSWORD);
    return rp.exchange(callback.url, request);
  }

  it('logs in from / and shows « Mon compte » with the pupils and their establishments', async () => {
    browser = new HttpBrowser();
    home = await portalLogin(browser);
    expect(home.url).toBe(url('/compte'));
    const text = textOf(home.html);
    expect(text).toContain('Mon compte ÉduConnect');
    expect(text).toContain('m.garnier11');
    expect(text).toContain('Garnier Marc');
    expect(text).toContain('Représentant légal');
    expect(text).toContain('Lina Garnier – Collège Jean Moulin (5EME)');
    expect(text).not.toContain('Tom');
    // `/` again goes straight to the account
    expect((await browser.get(url('/'))).url).toBe(url('/compte'));
    // nobody signed in: back to the login
    const stranger = await new HttpBrowser().get(url('/compte'));
    expect(textOf(stranger.html)).toContain('Je sélectionne mon profil');
  });

  it('refuses a wrong current password and a weak new one, then changes it and ends the other sessions', async () => {
    const other = new HttpBrowser();
    const otherTokens = await serviceLogin(other);
    const otherPortal = new HttpBrowser();
    expect((await portalLogin(otherPortal)).url).toBe(url('/compte'));
    const before = (await stored()).password_hash;

    const page = await browser.get(url('/compte/mot-de-passe'));
    expect(textOf(page.html)).toContain('Mot de passe actuel');
    const wrong = await browser.submit(page, '/compte/mot-de-passe', {
      current: 'Pas-le-bon-42',
      password: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.html)).toContain('Le mot de passe actuel est incorrect.');
    const weak = await browser.submit(page, '/compte/mot-de-passe', {
      current: PASSWORD,
      password: 'motdepasse',
      confirmation: 'motdepasse',
    });
    expect(weak.status).toBe(400);
    expect(textOf(weak.html)).toContain('Le formulaire contient des erreurs.');
    const mismatch = await browser.submit(page, '/compte/mot-de-passe', {
      current: PASSWORD,
      password: NEW_PASSWORD,
      confirmation: `${NEW_PASSWORD}x`,
    });
    expect(textOf(mismatch.html)).toContain('Les deux mots de passe ne sont pas identiques.');
    expect((await stored()).password_hash).toBe(before);
    // without the form's CSRF token
    const forged = await browser.request(url('/compte/mot-de-passe'), {
      form: { current: PASSWORD, password: NEW_PASSWORD, confirmation: NEW_PASSWORD },
    });
    expect(forged.status).toBe(403);
    expect((await stored()).password_hash).toBe(before);

    const done = await browser.submit(page, '/compte/mot-de-passe', {
      current: PASSWORD,
      password: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    });
    expect(done.url).toBe(url('/compte?fait=mot-de-passe'));
    expect(textOf(done.html)).toContain('Votre mot de passe a été modifié.');
    expect(await idp.idp.services.hasher.verify((await stored()).password_hash!, NEW_PASSWORD)).toBe(true);
    // the other browser's service and « Mon compte » sessions are over
    await expect(oidc.refreshTokenGrant(rp.configuration, otherTokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect(textOf((await otherPortal.get(url('/compte'))).html)).toContain('Je sélectionne mon profil');
    const audit = await idp.database.db
      .selectFrom('audit_events')
      .select('event')
      .where('account_id', '=', accountId)
      .where('event', '=', 'password.changed')
      .execute();
    expect(audit).toHaveLength(1);
    // this browser stays signed in
    expect((await browser.get(url('/compte'))).url).toBe(url('/compte'));
  });

  it('adds an email address: link over SMTP, confirmed, then email_verified in a service’s userinfo', async () => {
    const page = await browser.get(url('/compte/courriel'));
    const invalid = await browser.submit(page, '/compte/courriel', { email: 'marc.garnier@' });
    expect(invalid.status).toBe(400);
    expect(textOf(invalid.html)).toContain('Saisissez une adresse électronique valide');
    expect(await countRows(idp.database.db, 'email_confirmations')).toBe(0);

    const sent = await browser.submit(page, '/compte/courriel', { email: ' Marc.Garnier@Exemple.fr ' });
    expect(sent.status).toBe(200);
    expect(textOf(sent.html)).toContain('Un lien de confirmation a été envoyé à marc.garnier@exemple.fr');
    expect(textOf(sent.html)).toContain('Renvoyer le mail');
    const email = await smtp.waitFor((m) => m.to.includes('marc.garnier@exemple.fr'));
    // not counted before the link is opened
    expect(await stored()).toMatchObject({ email: null, email_verified: false });
    const confirm = await browser.get(linkIn(email.text)!);
    const confirmed = await browser.submit(confirm, '/courriel/confirmer/');
    expect(textOf(confirmed.html)).toContain('est confirmée');
    expect(await stored()).toMatchObject({ email: 'marc.garnier@exemple.fr', email_verified: true });

    const tokens = await serviceLogin(browser, 'openid email');
    const userinfo = await oidc.fetchUserInfo(rp.configuration, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({ email: 'marc.garnier@exemple.fr', email_verified: true });
  });

  it('changing the address notifies the old one; « Renvoyer le mail » sends a new link', async () => {
    const page = await browser.get(url('/compte/courriel'));
    const same = await browser.submit(page, '/compte/courriel', { email: 'marc.garnier@exemple.fr' });
    expect(same.status).toBe(400);
    await browser.submit(page, '/compte/courriel', { email: 'marc@nouveau.fr' });
    const notice = await smtp.waitFor(
      (m) => m.to.includes('marc.garnier@exemple.fr') && m.subject.includes('changement'),
    );
    expect(notice.text).toContain('m.garnier11');
    const first = await smtp.waitFor((m) => m.to.includes('marc@nouveau.fr'));
    const pending = await browser.get(url('/compte/courriel'));
    const early = await browser.submit(pending, '/compte/courriel/renvoi');
    expect(early.status).toBe(429);
    expect(textOf(early.html)).toContain('Vous pourrez le renvoyer dans');
    // the cooldown (EMAIL_RESEND_COOLDOWN_SECONDS) has passed
    await idp.database.db
      .updateTable('email_confirmations')
      .set({ created_at: new Date(Date.now() - 120_000) })
      .where('email', '=', 'marc@nouveau.fr')
      .execute();
    const resent = await browser.submit(pending, '/compte/courriel/renvoi');
    expect(textOf(resent.html)).toContain('Un lien de confirmation a été envoyé à marc@nouveau.fr');
    await smtp.waitFor((m) => m.to.includes('marc@nouveau.fr') && m !== first);
    // the first link was replaced by the second
    expect((await browser.get(linkIn(first.text)!)).status).toBe(410);
    expect(await stored()).toMatchObject({ email: 'marc.garnier@exemple.fr', email_verified: true });
  });

  it('« Ajout d’élèves » on demand binds a registry pupil by birth date', async () => {
    const none = await browser.get(url('/compte/eleves'));
    expect(textOf(none.html)).toContain('Aucun autre élève ne vous est associé');
    await importRegistry(idp.database.db, parseRegistryCsv(`${REGISTRY}\n${NEW_PUPIL}`).lines);
    const page = await browser.get(url('/compte/eleves'));
    expect(textOf(page.html)).toContain('Tom Garnier');
    const tom = await idp.database.db
      .selectFrom('pupils')
      .select('id')
      .where('given_name', '=', 'Tom')
      .executeTakeFirstOrThrow();
    const answer = (day: string) => ({
      [`lien_${tom.id}`]: 'oui',
      [`naissance-${tom.id}_jour`]: day,
      [`naissance-${tom.id}_mois`]: '04',
      [`naissance-${tom.id}_annee`]: '2008',
    });
    const wrong = await browser.submit(page, '/compte/eleves', answer('04'));
    expect(wrong.status).toBe(400);
    expect(await countRows(idp.database.db, 'account_pupils')).toBe(1);
    const done = await browser.submit(page, '/compte/eleves', answer('03'));
    expect(done.url).toBe(url('/compte?fait=eleves'));
    expect(textOf(done.html)).toContain('Tom Garnier – Lycée Camille Guérin');
    expect(await countRows(idp.database.db, 'account_pupils')).toBe(2);
  });

  it('changes the phone number only once the SMS code sent to it is entered', async () => {
    const page = await browser.get(url('/compte/telephone'));
    expect(textOf(page.html)).toContain('garde son propre exemplaire de votre numéro');
    const invalid = await browser.submit(page, '/compte/telephone', { telephone: '12' });
    expect(invalid.status).toBe(400);
    expect(textOf(invalid.html)).toContain('Saisissez un numéro de téléphone portable valide');
    const codePage = await browser.submit(page, '/compte/telephone', { telephone: '07 11 22 33 44' });
    expect(textOf(codePage.html)).toContain('Un code de sécurité a été envoyé par SMS');
    expect((await stored()).phone).toBe('+33655443311');
    const [sms] = (await (await fetch(url('/dev/outbox?to=%2B33711223344'))).json()) as { body: string }[];
    const code = /est (\d{6})/.exec(sms!.body)![1]!;
    const wrong = await browser.submit(codePage, '/compte/telephone/code', {
      code: code === '000000' ? '111111' : '000000',
    });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.html)).toContain('Il vous reste 4 essais');
    const malformed = await browser.submit(codePage, '/compte/telephone/code', { code: 'abc' });
    expect(malformed.status).toBe(400);
    const done = await browser.submit(codePage, '/compte/telephone/code', { code });
    expect(done.url).toBe(url('/compte?fait=telephone'));
    expect(textOf(done.html)).toContain('+33711223344');
    expect((await stored()).phone).toBe('+33711223344');
  });

  it('lists the connected services and withdraws one: its refresh token is then refused', async () => {
    const tokens = await serviceLogin(browser);
    const page = await browser.get(url('/compte/services'));
    const text = textOf(page.html);
    expect(text).toContain('ENT du collège');
    expect(text).toContain('vos nom, prénom');
    expect(text).not.toContain('Mon compte ÉduConnect –'); // the portal itself is no service
    const withdrawn = await browser.submit(page, '/compte/services/retirer');
    expect(textOf(withdrawn.html)).toContain("L'accès du service a été retiré.");
    expect(textOf(withdrawn.html)).toContain("Aucun service n'a accès à votre compte.");
    await expect(oidc.refreshTokenGrant(rp.configuration, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // a malformed withdrawal is a French 400, nothing else happens
    const bad = await browser.submit(page, '/compte/services/retirer', { service: '' });
    expect(bad.status).toBe(400);
  });

  it('« Se déconnecter » ends the portal session and the IdP session', async () => {
    const page = await browser.get(url('/compte'));
    const confirm = await browser.submit(page, '/compte/deconnexion');
    const done = await browser.submit(confirm, '/session/end/confirm', { logout: 'yes' });
    expect(textOf(done.html)).toContain('Vous êtes déconnecté');
    const again = await browser.get(url('/compte'));
    expect(textOf(again.html)).toContain('Je sélectionne mon profil');
  });
});
