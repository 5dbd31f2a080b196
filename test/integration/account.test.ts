import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestEmailConfirmation } from '../../src/domain/accounts/email-confirmation.js';
import { parseRegistryCsv, REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { importRegistry } from '../../src/domain/registry/import.js';
import { enqueueEmail } from '../../src/messaging/email.js';
import { listOutbox, messageBox } from '../../src/messaging/outbox.js';
import { endAccountSessions, revokeClientAccess } from '../../src/oidc/account-sessions.js';
import { HttpBrowser, type Page, textOf } from '../helpers/browser.js';
import { countRows, DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { isCallback, loginWithPassword, TestRelyingParty } from '../helpers/relying-party.js';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-server.js';

const PASSWORD = 'Trousse-Verte-42';
const SESSION_PASSWORD = 'Cartable#2026';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const NEW_PASSWORD = 'Cahier-Rouge-77';
const CLG = '0861234A;Collège Jean Moulin';
const LYC = '0860034C;Lycée Camille Guérin';
const REGISTRY = [
  REGISTRY_COLUMNS.join(';'),
  `${CLG};C-E1;Garnier;Lina;12/12/2012;5EME;C-R1;Garnier;Marc;06 55 44 33 11;`,
  `${CLG};C-E3;Perrin;Jules;01/02/2012;5EME;C-R3;Perrin;Nina;06 55 44 33 13;`,
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
        EMAIL_FROM: 'ÉduConnect <ne-pas-repondre@educonnect.test>',
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

  describe('email over SMTP and confirmation links', () => {
    let accountId: string;
    beforeAll(async () => {
      const account = await idp.database.db
        .insertInto('accounts')
        .values({
          profile: 'responsable_legal',
          identifier: 'a.courriel1',
          given_name: 'Anne',
          family_name: 'Courriel',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      accountId = account.id;
    });

    const box = () => messageBox(idp.config.secretKey);
    const request = (email: string, ttlHours = 24) =>
      idp.database.db.transaction().execute(async (trx) => {
        await requestEmailConfirmation(trx, box(), { accountId, email, issuer: idp.baseUrl, ttlHours });
      });
    const account = () =>
      idp.database.db
        .selectFrom('accounts')
        .select(['email', 'email_verified'])
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow();

    it('sends an outbox email through a real SMTP server, with a text and an HTML part', async () => {
      await idp.database.db.transaction().execute((trx) =>
        enqueueEmail(trx, box(), {
          to: 'parent@exemple.fr',
          subject: 'Objet accentué : élève',
          text: 'Texte du message',
          html: '<p>Texte du message</p>',
        }),
      );
      const received = await smtp.waitFor((m) => m.subject === 'Objet accentué : élève');
      expect(received.to).toEqual(['parent@exemple.fr']);
      expect(received.from).toBe('ne-pas-repondre@educonnect.test');
      expect(received.text.trim()).toBe('Texte du message');
      expect(received.html).toContain('<p>Texte du message</p>');
      // sent: the body is erased, `outbox list` shows where and whether
      for (let i = 0; i < 100; i++) {
        const [entry] = await listOutbox(idp.database.db, { to: 'parent@exemple.fr' });
        if (entry?.status === 'sent') break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const [entry] = await listOutbox(idp.database.db, { to: 'parent@exemple.fr' });
      expect(entry).toMatchObject({ channel: 'email', status: 'sent', sealedBody: null, attempts: 1 });
      // /dev/outbox filters by email address too
      const dev = (await (await fetch(`${idp.baseUrl}/dev/outbox?to=parent@exemple.fr`)).json()) as unknown[];
      expect(dev).toEqual([
        expect.objectContaining({ channel: 'email', to: 'parent@exemple.fr', status: 'sent' }),
      ]);
      const none = await (
        await fetch(`${idp.baseUrl}/dev/outbox?to=${encodeURIComponent("x' or 1=1")}`)
      ).json();
      expect(none).toEqual([]);
    });

    it('confirms an address by its link: the GET page changes nothing, the button does, once', async () => {
      await request('anne.courriel@exemple.fr');
      const email = await smtp.waitFor((m) => m.to.includes('anne.courriel@exemple.fr'));
      expect(email.subject).toBe('ÉduConnect : confirmez votre adresse électronique');
      expect(email.text).toContain('valable 24 heures');
      const link = linkIn(email.text)!;
      expect(link.startsWith(`${idp.baseUrl}/courriel/confirmer/`)).toBe(true);
      expect(email.html).toContain(link);
      // the token is stored hashed only
      const stored = await idp.database.db.selectFrom('email_confirmations').selectAll().execute();
      expect(JSON.stringify(stored)).not.toContain(link.split('/').pop());

      const browser = new HttpBrowser();
      const page = await browser.get(link);
      expect(page.status).toBe(200);
      expect(textOf(page.html)).toContain('Confirmer mon adresse électronique');
      // a mail scanner following the link twice confirms nothing
      await browser.get(link);
      expect(await account()).toEqual({ email: null, email_verified: false });

      // without the form's CSRF token: refused, nothing written
      const forged = await new HttpBrowser().request(link, { form: { _csrf: 'x' } });
      expect(forged.status).toBe(403);
      expect(await account()).toEqual({ email: null, email_verified: false });

      const done = await browser.submit(page, '/courriel/confirmer/');
      expect(done.status).toBe(200);
      expect(textOf(done.html)).toContain(
        'Votre adresse électronique anne.courriel@exemple.fr est confirmée',
      );
      expect(await account()).toEqual({ email: 'anne.courriel@exemple.fr', email_verified: true });

      const again = await browser.submit(page, '/courriel/confirmer/');
      expect(again.status).toBe(410);
      expect(textOf(again.html)).toContain('déjà été utilisé');
    });

    it('refuses unknown, expired and superseded links with a French page, changing nothing', async () => {
      const browser = new HttpBrowser();
      const unknown = await browser.get(`${idp.baseUrl}/courriel/confirmer/${'A'.repeat(43)}`);
      expect(unknown.status).toBe(404);
      expect(textOf(unknown.html)).toContain("Ce lien de confirmation n'est pas valable");
      const garbage = await browser.get(`${idp.baseUrl}/courriel/confirmer/%00%27`);
      expect(garbage.status).toBe(404);

      await request('ancien@exemple.fr');
      const first = linkIn((await smtp.waitFor((m) => m.to.includes('ancien@exemple.fr'))).text)!;
      await request('nouveau@exemple.fr');
      const second = linkIn((await smtp.waitFor((m) => m.to.includes('nouveau@exemple.fr'))).text)!;
      const superseded = await browser.get(first);
      expect(superseded.status).toBe(410);
      expect(textOf(superseded.html)).toContain('a expiré');

      await idp.database.db
        .updateTable('email_confirmations')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('email', '=', 'nouveau@exemple.fr')
        .execute();
      const page = await browser.get(second);
      expect(page.status).toBe(410);
      // the address confirmed before is still the account's
      expect(await account()).toEqual({ email: 'anne.courriel@exemple.fr', email_verified: true });
    });
  });

  describe('ending the sessions of an account', () => {
    let server: Server;
    const logoutTokens: string[] = [];
    let rp: TestRelyingParty;
    let other: TestRelyingParty;
    let accountId: string;

    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => {
          body += chunk;
        });
        req.on('end', () => {
          logoutTokens.push(new URLSearchParams(body).get('logout_token') ?? '');
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      rp = await TestRelyingParty.register(idp, { backchannelLogoutUri: `http://127.0.0.1:${port}/bcl` });
      other = await TestRelyingParty.register(idp, { name: 'Autre service' });
      const account = await idp.database.db
        .insertInto('accounts')
        .values({
          profile: 'responsable_legal',
          identifier: 's.session12',
          given_name: 'Sam',
          family_name: 'Session',
          password_hash: await idp.idp.services.hasher.hash(SESSION_PASSWORD),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      accountId = account.id;
    });
    afterAll(() => {
      server?.close();
    });

    /** A browser signed in to `party` with a refresh token. */
    async function signIn(party: TestRelyingParty, browser = new HttpBrowser()) {
      const { request, page } = await party.begin(browser, {
        scope: 'openid profile offline_access',
        prompt: 'consent',
      });
      // a browser already signed in comes straight back to the service
      const callback = isCallback(page.url)
        ? page
        : await loginWithPassword(browser, page, 'responsable_legal', 's.session12', SESSION_PASSWORD);
      const tokens = await party.exchange(callback.url, request);
      expect(tokens.refresh_token).toBeTruthy();
      return { browser, tokens };
    }

    const sessionUids = async () => {
      const rows = await idp.database.db
        .selectFrom('oidc_payloads')
        .select('payload')
        .where('kind', '=', 'Session')
        .where(sql<string>`payload->>'accountId'`, '=', accountId)
        .execute();
      return rows.map((r) => (r.payload as { uid: string }).uid);
    };

    it('ends the other sessions, revokes every refresh token and tells the services by back-channel', async () => {
      const kept = await signIn(rp);
      const [keptUid] = await sessionUids();
      const ended = await signIn(rp);
      logoutTokens.length = 0;

      await endAccountSessions(idp.idp.services, accountId, { keepSessionUid: keptUid });

      // every refresh token of the account is refused, the kept session's too
      for (const { tokens } of [kept, ended])
        await expect(oidc.refreshTokenGrant(rp.configuration, tokens.refresh_token!)).rejects.toMatchObject({
          error: 'invalid_grant',
        });
      expect(await sessionUids()).toEqual([keptUid]);
      // the service signed in through the ended session got one logout token for this user
      expect(logoutTokens).toHaveLength(1);
      const { payload } = await jwtVerify(
        logoutTokens[0]!,
        createRemoteJWKSet(new URL(`${idp.baseUrl}/jwks`)),
        {
          issuer: idp.baseUrl,
          audience: rp.client.client_id,
        },
      );
      expect(payload.sub).toBe(ended.tokens.claims()!.sub);
      expect(payload.events).toHaveProperty([EVENT]);

      // the kept browser still signs in without its password
      const again = await rp.begin(kept.browser);
      expect(again.page.url.startsWith('http://rp.test/callback')).toBe(true);
    });

    it('withdraws one service only: its refresh tokens refused, the other service untouched', async () => {
      const browser = new HttpBrowser();
      const first = await signIn(rp, browser);
      const second = await signIn(other, browser);
      expect(await revokeClientAccess(idp.idp.services, accountId, rp.client.client_id)).toBe(true);
      await expect(
        oidc.refreshTokenGrant(rp.configuration, first.tokens.refresh_token!),
      ).rejects.toMatchObject({
        error: 'invalid_grant',
      });
      const refreshed = await oidc.refreshTokenGrant(other.configuration, second.tokens.refresh_token!);
      expect(refreshed.access_token).toBeTruthy();
      // nothing left to withdraw
      expect(await revokeClientAccess(idp.idp.services, accountId, rp.client.client_id)).toBe(false);
    });

    it('offers « Définir un mot de passe » to an account without one (FranceConnect), no current password asked', async () => {
      const browser = new HttpBrowser();
      const choice = await browser.get(`${idp.baseUrl}/`);
      const home = await loginWithPassword(
        browser,
        choice,
        'responsable_legal',
        's.session12',
        SESSION_PASSWORD,
      );
      expect(home.url).toBe(`${idp.baseUrl}/compte`);
      // as an account created through FranceConnect
      await idp.database.db
        .updateTable('accounts')
        .set({ password_hash: null })
        .where('id', '=', accountId)
        .execute();
      const page = await browser.get(`${idp.baseUrl}/compte/mot-de-passe`);
      expect(textOf(page.html)).toContain('Définir un mot de passe');
      expect(textOf(page.html)).not.toContain('Mot de passe actuel');
      const done = await browser.submit(page, '/compte/mot-de-passe', {
        password: 'Plumier-Bleu-88',
        confirmation: 'Plumier-Bleu-88',
      });
      expect(done.url).toBe(`${idp.baseUrl}/compte?fait=mot-de-passe`);
      const { password_hash } = await idp.database.db
        .selectFrom('accounts')
        .select('password_hash')
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow();
      expect(await idp.idp.services.hasher.verify(password_hash!, 'Plumier-Bleu-88')).toBe(true);
    });
  });

  describe('the portal and « Mon compte »', () => {
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
      // signed out, a page of « Mon compte » comes back after the login
      const returning = new HttpBrowser();
      const choice = await returning.get(url('/compte/services'));
      const back = await loginWithPassword(returning, choice, 'responsable_legal', 'm.garnier11', PASSWORD);
      expect(back.url).toBe(url('/compte/services'));
      // anything else is not followed
      const elsewhere = new HttpBrowser();
      const other = await elsewhere.get(url('/?retour=%2F%2Fevil.example%2Fcompte'));
      const landed = await loginWithPassword(elsewhere, other, 'responsable_legal', 'm.garnier11', PASSWORD);
      expect(landed.url).toBe(url('/compte'));
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
      await expect(
        oidc.refreshTokenGrant(rp.configuration, otherTokens.refresh_token!),
      ).rejects.toMatchObject({
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
      expect(
        await idp.database.db
          .selectFrom('email_confirmations')
          .select('id')
          .where('account_id', '=', accountId)
          .execute(),
      ).toEqual([]);

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

    it('answers malformed posts with a French 400 and writes nothing', async () => {
      const before = {
        confirmations: await countRows(idp.database.db, 'email_confirmations'),
        changes: await countRows(idp.database.db, 'phone_changes'),
        outbox: await countRows(idp.database.db, 'outbox_messages'),
      };
      const page = await browser.get(url('/compte/courriel'));
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
      for (const [path, body] of [
        ['/compte/courriel', `_csrf=${encodeURIComponent(csrf)}&email=a%00b%40exemple.fr`],
        ['/compte/courriel', `_csrf=${encodeURIComponent(csrf)}&email=a%40b.fr&email=c%40d.fr`],
        ['/compte/telephone', `_csrf=${encodeURIComponent(csrf)}&telephone=${'6'.repeat(40)}`],
        ['/compte/telephone/code', `_csrf=${encodeURIComponent(csrf)}&code[a]=1`],
        ['/compte/mot-de-passe', `_csrf=${encodeURIComponent(csrf)}&current=%07`],
      ] as const) {
        const response = await browser.request(url(path), { body });
        expect(response.status, `${path} ${body}`).toBe(400);
        expect(textOf(response.html)).not.toMatch(/\n\s+at /);
      }
      expect({
        confirmations: await countRows(idp.database.db, 'email_confirmations'),
        changes: await countRows(idp.database.db, 'phone_changes'),
        outbox: await countRows(idp.database.db, 'outbox_messages'),
      }).toEqual(before);
    });

    it('activates an account from / (seed 004) and ends on « Mon compte »', async () => {
      const client = new HttpBrowser();
      const choice = await client.get(url('/'));
      const uid = /\/interaction\/([^/?#]+)/.exec(choice.url)![1];
      const identity = await client.get(url(`/interaction/${uid}/activation`));
      const codePage = await client.submit(identity, '/activation/identite', {
        nom: 'Perrin',
        prenom: 'Nina',
        telephone: '06 55 44 33 13',
      });
      const [sms] = (await (await fetch(url('/dev/outbox?to=%2B33655443313'))).json()) as { body: string }[];
      const code = /est (\d{6})/.exec(sms!.body)![1]!;
      const passwordPage = await client.submit(codePage, '/activation/code', { code });
      const pupilsPage = await client.submit(passwordPage, '/activation/mot-de-passe', {
        password: PASSWORD,
        confirmation: PASSWORD,
      });
      const jules = await idp.database.db
        .selectFrom('pupils')
        .select('id')
        .where('registry_id', '=', 'C-E3')
        .executeTakeFirstOrThrow();
      const done = await client.submit(pupilsPage, '/activation/eleves', {
        [`lien_${jules.id}`]: 'oui',
        [`naissance-${jules.id}_jour`]: '01',
        [`naissance-${jules.id}_mois`]: '02',
        [`naissance-${jules.id}_annee`]: '2012',
      });
      expect(textOf(done.html)).toContain('Votre compte a été activé avec succès');
      const home = await client.submit(done, '/activation/acces');
      expect(home.url).toBe(url('/compte'));
      expect(textOf(home.html)).toContain('Jules Perrin – Collège Jean Moulin');
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
});
