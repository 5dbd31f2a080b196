import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throttleKey } from '../../src/domain/accounts/throttle.js';
import { HttpBrowser, type Page, textOf } from '../helpers/browser.js';
import { countRows, DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { isCallback, loginWithPassword, RP_REDIRECT, TestRelyingParty } from '../helpers/relying-party.js';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-server.js';

const OLD_PASSWORD = 'Ardoise-Rouge-17';
const NEW_PASSWORD = 'Trousse-Verte-42';

/** Parents with an account and the mobile the account knows, made as an activation would leave them. */
const PARENTS = [
  { identifier: 'c.martin12', given: 'Claire', family: 'Martin', phone: '+33612345601' },
  { identifier: 'k.petit31', given: 'Karim', family: 'Petit', phone: '+33712345602' },
  { identifier: 'n.roux40', given: 'Nadia', family: 'Roux', phone: '+33655443301' },
  { identifier: 'j.lefevre07', given: 'Jean-Marc', family: 'Lefèvre', phone: '+596696123456' },
];

describe.each(DATABASE_KINDS)('« Identifiant oublié » and « Mot de passe oublié » on %s', (kind) => {
  let idp: TestIdp;
  let rp: TestRelyingParty;
  let smtp: SmtpCatcher;

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    // Emails go through a real SMTP server; SMS stay in the development outbox.
    idp = await startTestIdp(kind, { env: { EMAIL_TRANSPORT: 'smtp', SMTP_URL: smtp.url } });
    const hash = await idp.idp.services.hasher.hash(OLD_PASSWORD);
    await idp.database.db
      .insertInto('accounts')
      .values(
        PARENTS.map((p) => ({
          profile: 'responsable_legal' as const,
          identifier: p.identifier,
          given_name: p.given,
          family_name: p.family,
          password_hash: hash,
          phone: p.phone,
        })),
      )
      .execute();
    // Nadia Roux confirmed her address; Karim Petit gave one but never confirmed it.
    await idp.database.db
      .updateTable('accounts')
      .set({ email: 'Nadia.Roux@example.fr', email_verified: true })
      .where('identifier', '=', 'n.roux40')
      .execute();
    await idp.database.db
      .updateTable('accounts')
      .set({ email: 'karim.petit@example.fr', email_verified: false })
      .where('identifier', '=', 'k.petit31')
      .execute();
    rp = await TestRelyingParty.register(idp);
  }, 60_000);
  afterAll(async () => {
    await idp?.stop();
    await smtp?.close();
  });

  const db = () => idp.database.db;
  const uidOf = (page: Page) => /\/interaction\/([^/?#]+)/.exec(page.url)![1]!;
  const decode = (html: string) => html.replace(/&#x27;|&#39;/g, "'").replace(/&amp;/g, '&');

  async function outbox(to: string): Promise<{ channel: string; to: string; body: string }[]> {
    const response = await fetch(`${idp.baseUrl}/dev/outbox?to=${encodeURIComponent(to)}`);
    return (await response.json()) as { channel: string; to: string; body: string }[];
  }
  async function latestCode(to: string): Promise<string> {
    const [message] = await outbox(to);
    const code = /\b([0-9]{6})\b/.exec(message?.body ?? '')?.[1];
    if (!code) throw new Error(`no code sent to ${to}: ${message?.body}`);
    return code;
  }

  /** A login page of `profile`, reached from a service as a person would. */
  async function loginPage(browser: HttpBrowser, profile: 'responsable_legal' | 'eleve') {
    const { request, page: choice } = await rp.begin(browser);
    const page = await browser.get(`${idp.baseUrl}/interaction/${uidOf(choice)}/login/${profile}`);
    return { request, page };
  }

  /** Follows the link labelled `label` on `page`. */
  async function follow(browser: HttpBrowser, page: Page, label: string) {
    const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const href = new RegExp(`<a [^>]*href="([^"]+)"[^>]*>${escaped}</a>`).exec(decode(page.html))?.[1];
    if (!href) throw new Error(`no link « ${label} » on ${page.url}`);
    return browser.get(new URL(href, idp.baseUrl).toString());
  }

  async function askIdentifier(browser: HttpBrowser, nom: string, prenom: string, telephone: string) {
    const { request, page: login } = await loginPage(browser, 'responsable_legal');
    const form = await follow(browser, login, 'Identifiant oublié ?');
    const code = await browser.submit(form, '/identifiant-oublie', { nom, prenom, telephone });
    return { request, form, code };
  }

  async function askPassword(browser: HttpBrowser, identifiant: string, telephone: string) {
    const { request, page: login } = await loginPage(browser, 'responsable_legal');
    const form = await follow(browser, login, 'Mot de passe oublié ?');
    const code = await browser.submit(form, '/mot-de-passe-oublie', { identifiant, telephone });
    return { request, form, code };
  }

  it('offers both links beside the fields of both login pages; a pupil is told whom to ask', async () => {
    const browser = new HttpBrowser('203.0.113.1');
    const { page: parent } = await loginPage(browser, 'responsable_legal');
    // Beside the label of their field, not under the form.
    expect(decode(parent.html)).toMatch(
      /<label for="identifier">Identifiant<\/label><span class="label-aside"><a href="[^"]+\/identifiant-oublie">Identifiant oublié \?<\/a>/,
    );
    expect(decode(parent.html)).toMatch(
      /<label for="password">Mot de passe<\/label><span class="label-aside"><a href="[^"]+\/mot-de-passe-oublie">Mot de passe oublié \?<\/a>/,
    );
    const pupilLogin = await browser.get(parent.url.replace('/responsable_legal', '/eleve'));
    for (const label of ['Identifiant oublié ?', 'Mot de passe oublié ?']) {
      const help = await follow(browser, pupilLogin, label);
      expect(help.status).toBe(200);
      const text = textOf(help.html);
      expect(text).toContain(label.replace(' ?', ''));
      expect(text).toContain('adressez-vous à son secrétariat');
      expect(text).toContain('l’un de vos parents');
      expect(text).not.toContain('N° de téléphone portable');
    }
  });

  it('gives a parent their forgotten identifier by SMS, then the login with it filled in', async () => {
    const browser = new HttpBrowser('203.0.113.2');
    const { form, code: codePage } = await askIdentifier(browser, 'MARTIN', ' claire ', '06 12 34 56 01');
    const formText = textOf(form.html);
    for (const label of ['Identifiant oublié', 'Nom', 'Prénom', 'N° de téléphone portable', 'Précédent'])
      expect(formText).toContain(label);
    expect(formText).toContain(
      "Pour les numéros hors France métropolitaine, merci d'indiquer l'indicatif régional.",
    );
    expect(form.html).toContain('value="+33 "');
    expect(codePage.status).toBe(200);
    expect(codePage.url).toMatch(/\/identifiant-oublie\/code$/);
    expect(textOf(codePage.html)).toContain(
      'Nous venons de vous envoyer un code de sécurité (valable 30 min) au +33 6 •• •• •• 01',
    );
    const [sms] = await outbox('+33612345601');
    expect(sms!.body).toContain('retrouver votre identifiant');
    expect(sms!.body).not.toContain('c.martin12');
    const code = await latestCode('+33612345601');
    const stored = await db()
      .selectFrom('recovery_flows')
      .selectAll()
      .where('kind', '=', 'identifier')
      .execute();
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(code);

    const shown = await browser.submit(codePage, '/identifiant-oublie/code', { code });
    expect(shown.url).toMatch(/\/identifiant-oublie\/identifiant$/);
    expect(textOf(shown.html)).toContain('Votre identifiant ÉduConnect');
    expect(textOf(shown.html)).toContain('c.martin12');
    const login = await follow(browser, shown, 'Je me connecte');
    expect(login.url).toContain('/login/responsable_legal');
    expect(login.html).toContain('value="c.martin12"');
    // The code is spent: the same code again finds no flow waiting for it.
    const flow = await db()
      .selectFrom('recovery_flows')
      .selectAll()
      .where('kind', '=', 'identifier')
      .executeTakeFirstOrThrow();
    expect(flow).toMatchObject({ state: 'completed', code_hmac: null });
  });

  it('resets a forgotten password by SMS: sessions and refresh tokens ended, throttle cleared, audited, the new password logs in', async () => {
    const account = await db()
      .selectFrom('accounts')
      .selectAll()
      .where('identifier', '=', 'k.petit31')
      .executeTakeFirstOrThrow();
    // Signed in elsewhere with the old password, with a refresh token (a stolen password would be).
    const elsewhere = new HttpBrowser('203.0.113.9');
    const old = await rp.begin(elsewhere, { scope: 'openid profile offline_access', prompt: 'consent' });
    const signedIn = await loginWithPassword(
      elsewhere,
      old.page,
      'responsable_legal',
      'k.petit31',
      OLD_PASSWORD,
    );
    const stolen = await rp.exchange(signedIn.url, old.request);
    expect(stolen.refresh_token).toBeTruthy();
    const sessionsBefore = await db()
      .selectFrom('oidc_payloads')
      .select('id')
      .where('kind', '=', 'Session')
      .execute();
    expect(sessionsBefore.length).toBeGreaterThan(0);
    // Someone locked the account by guessing, and the school had set a temporary password.
    const key = throttleKey(idp.idp.services.throttleSecret, 'account', 'k.petit31');
    await db()
      .insertInto('login_throttle')
      .values({ key, failures: 9, window_start: new Date(), blocked_until: new Date(Date.now() + 600_000) })
      .execute();
    await db()
      .updateTable('accounts')
      .set({ must_change_password: true })
      .where('id', '=', account.id)
      .execute();

    const beforeReset = await db()
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow();

    const browser = new HttpBrowser('203.0.113.3');
    const { request, form, code: codePage } = await askPassword(browser, ' K.Petit31 ', '07 12 34 56 02');
    expect(textOf(form.html)).toContain('Mot de passe oublié');
    expect(textOf(form.html)).toContain('Identifiant');
    expect(codePage.url).toMatch(/\/mot-de-passe-oublie\/code$/);
    const passwordPage = await browser.submit(codePage, '/mot-de-passe-oublie/code', {
      code: await latestCode('+33712345602'),
    });
    const text = textOf(passwordPage.html);
    expect(text).toContain('Je change mon mot de passe');
    for (const label of [
      'Doit contenir 1 majuscule',
      'Confirmation du nouveau mot de passe',
      'Force du mot de passe',
    ])
      expect(text).toContain(label);

    const weak = await browser.submit(passwordPage, '/mot-de-passe-oublie/nouveau', {
      password: 'court',
      confirmation: 'court',
    });
    expect(weak.status).toBe(400);
    expect(textOf(weak.html)).toContain('Le mot de passe ne respecte pas toutes les règles indiquées.');
    const same = await browser.submit(passwordPage, '/mot-de-passe-oublie/nouveau', {
      password: OLD_PASSWORD,
      confirmation: OLD_PASSWORD,
    });
    expect(same.status).toBe(400);
    expect(textOf(same.html)).toContain('Le nouveau mot de passe doit être différent de l’ancien.');
    const mismatch = await browser.submit(passwordPage, '/mot-de-passe-oublie/nouveau', {
      password: NEW_PASSWORD,
      confirmation: `${NEW_PASSWORD}x`,
    });
    expect(textOf(mismatch.html)).toContain('Les deux mots de passe ne sont pas identiques.');
    const unchanged = await db()
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow();
    expect(unchanged.password_hash).toBe(beforeReset.password_hash);

    const changed = await browser.submit(passwordPage, '/mot-de-passe-oublie/nouveau', {
      password: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    });
    expect(changed.status).toBe(200);
    expect(changed.url).toMatch(/\/mot-de-passe-oublie\/modifie$/);
    expect(textOf(changed.html)).toContain('Votre mot de passe a été modifié');
    const after = await db()
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow();
    expect(after.must_change_password).toBe(false);
    expect(after.password_hash).not.toBe(beforeReset.password_hash);
    // Every session and refresh token of the account is gone.
    await expect(oidc.refreshTokenGrant(rp.configuration, stolen.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const again = await rp.begin(elsewhere);
    expect(textOf(again.page.html)).toContain('Je sélectionne mon profil');
    expect(await db().selectFrom('login_throttle').select('key').where('key', '=', key).execute()).toEqual(
      [],
    );
    const audit = await db()
      .selectFrom('audit_events')
      .select('event')
      .where('account_id', '=', account.id)
      .where('event', '=', 'password.reset')
      .execute();
    expect(audit).toHaveLength(1);

    // « Je me connecte »: the login with the identifier filled in; the old password no longer works.
    const login = await follow(browser, changed, 'Je me connecte');
    expect(login.html).toContain('value="k.petit31"');
    const other = new HttpBrowser('203.0.113.4');
    const { page: choice } = await rp.begin(other);
    const refused = await loginWithPassword(other, choice, 'responsable_legal', 'k.petit31', OLD_PASSWORD);
    expect(textOf(refused.html)).toContain("L'identifiant ou le mot de passe est incorrect");
    const { page: choice2 } = await rp.begin(other);
    const accepted = await loginWithPassword(other, choice2, 'responsable_legal', 'k.petit31', NEW_PASSWORD);
    expect(accepted.url.startsWith(RP_REDIRECT)).toBe(true);

    // « Accéder à mes services »: straight back to the service, logged in.
    const callback = await browser.submit(changed, '/mot-de-passe-oublie/acces', {}, isCallback);
    expect(callback.url.startsWith(RP_REDIRECT)).toBe(true);
    const tokens = await rp.exchange(callback.url, request);
    expect(tokens.access_token).toBeTruthy();
  });

  it('gives an unknown person, identifier or phone the same pages, and sends nothing', async () => {
    const identifierPages = new Set<string>();
    for (const [nom, prenom, telephone] of [
      ['Roux', 'Nadia', '06 55 44 33 01'], // has an account with this mobile
      ['Roux', 'Nadine', '06 55 44 33 01'], // wrong first name
      ['Roux', 'Nadia', '06 55 44 33 91'], // wrong phone
    ] as const) {
      const browser = new HttpBrowser('203.0.113.5');
      const { code } = await askIdentifier(browser, nom, prenom, telephone);
      expect(code.status).toBe(200);
      identifierPages.add(textOf(code.html).replace(/\+33 6 •• •• •• \d\d/, '<numéro>'));
      const wrong = await browser.submit(code, '/identifiant-oublie/code', { code: '000000' });
      expect(textOf(wrong.html)).toContain('Le code de sécurité est incorrect. Il vous reste 4 essais.');
    }
    expect(identifierPages.size).toBe(1);
    const passwordPages = new Set<string>();
    for (const [identifiant, telephone] of [
      ['n.roux40', '06 55 44 33 01'], // matches
      ['n.roux41', '06 55 44 33 01'], // no such identifier
      ['n.roux40', '06 55 44 33 91'], // not the account's mobile
    ] as const) {
      const browser = new HttpBrowser('203.0.113.6');
      const { code } = await askPassword(browser, identifiant, telephone);
      expect(code.status).toBe(200);
      passwordPages.add(textOf(code.html).replace(/\+33 6 •• •• •• \d\d/, '<numéro>'));
    }
    expect(passwordPages.size).toBe(1);
    expect(await outbox('+33655443301')).toHaveLength(2);
    expect(await outbox('+33655443391')).toHaveLength(0);
    const flows = await db()
      .selectFrom('recovery_flows')
      .select(['account_id'])
      .where('recipient', 'in', ['+33655443301', '+33655443391'])
      .execute();
    expect(flows).toHaveLength(6);
    expect(flows.filter((f) => f.account_id !== null)).toHaveLength(2);
  });

  it('resends after the cooldown without giving tries back, and ends after 5 wrong codes', async () => {
    const browser = new HttpBrowser('203.0.113.7');
    const { code: page } = await askPassword(browser, 'j.lefevre07', '0696 12 34 56');
    expect(textOf(page.html)).toContain('+596 6•• •• •• 56');
    const first = await latestCode('+596696123456');
    const wrongCode = first === '123456' ? '654321' : '123456';
    for (const remaining of ['4 essais', '3 essais']) {
      const wrong = await browser.submit(page, '/mot-de-passe-oublie/code', { code: wrongCode });
      expect(wrong.status).toBe(400);
      expect(textOf(wrong.html)).toContain(`Il vous reste ${remaining}`);
    }
    const tooSoon = await browser.submit(page, '/mot-de-passe-oublie/renvoi');
    expect(tooSoon.status).toBe(429);
    expect(textOf(tooSoon.html)).toContain('Vous pourrez demander un nouveau SMS dans');
    await db()
      .updateTable('recovery_flows')
      .set({ last_sent_at: new Date(Date.now() - 120_000) })
      .where('recipient', '=', '+596696123456')
      .execute();
    const resent = await browser.submit(page, '/mot-de-passe-oublie/renvoi');
    expect(textOf(resent.html)).toContain('Un nouveau code de sécurité vous a été envoyé.');
    expect(await outbox('+596696123456')).toHaveLength(2);
    const code = await latestCode('+596696123456');
    for (const remaining of ['2 essais', '1 essai.']) {
      const wrong = await browser.submit(page, '/mot-de-passe-oublie/code', {
        code: code === wrongCode ? first : wrongCode,
      });
      expect(wrong.status).toBe(400);
      expect(textOf(wrong.html)).toContain(`Il vous reste ${remaining}`);
    }
    const ended = await browser.submit(page, '/mot-de-passe-oublie/code', { code: wrongCode });
    expect(ended.status).toBe(403);
    expect(textOf(ended.html)).toContain('Vous avez saisi 5 codes de sécurité erronés.');
    const late = await browser.submit(page, '/mot-de-passe-oublie/code', { code });
    expect(late.status).toBe(403);
    expect(textOf(late.html)).toContain('Recommencer');
    const skipped = await browser.get(
      `${idp.baseUrl}/interaction/${uidOf(page)}/mot-de-passe-oublie/nouveau`,
    );
    expect(skipped.status).toBe(403);
    expect(textOf(skipped.html)).not.toContain('Je change mon mot de passe');
  });

  it('refuses bad input (empty, 10 kB, arrays, no CSRF) with French 4xx pages and writes nothing', async () => {
    const browser = new HttpBrowser('203.0.113.8');
    const { page: login } = await loginPage(browser, 'responsable_legal');
    const identifierForm = await follow(browser, login, 'Identifiant oublié ?');
    const passwordForm = await follow(browser, login, 'Mot de passe oublié ?');
    const before = {
      flows: await countRows(db(), 'recovery_flows'),
      messages: await countRows(db(), 'outbox_messages'),
    };
    const empty = await browser.submit(identifierForm, '/identifiant-oublie', {
      nom: '',
      prenom: '',
      telephone: '+33 ',
    });
    expect(empty.status).toBe(400);
    for (const error of [
      'Saisissez votre nom.',
      'Saisissez votre prénom.',
      'Saisissez votre numéro de téléphone portable.',
    ])
      expect(textOf(empty.html)).toContain(error);
    const emptyPassword = await browser.submit(passwordForm, '/mot-de-passe-oublie', {
      identifiant: '',
      telephone: '',
    });
    expect(emptyPassword.status).toBe(400);
    expect(textOf(emptyPassword.html)).toContain('Saisissez votre identifiant.');
    const badPhone = await browser.submit(passwordForm, '/mot-de-passe-oublie', {
      identifiant: 'n.roux40',
      telephone: '06 12',
    });
    expect(badPhone.status).toBe(400);
    expect(textOf(badPhone.html)).toContain('Saisissez un numéro de téléphone valide');
    const huge = await browser.submit(passwordForm, '/mot-de-passe-oublie', {
      identifiant: 'x'.repeat(10_000),
      telephone: '0655443301',
    });
    expect(huge.status).toBe(400);
    expect(textOf(huge.html)).toContain('Formulaire invalide');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(identifierForm.html)![1]!;
    const arrays = await browser.request(`${idp.baseUrl}/interaction/${uidOf(login)}/identifiant-oublie`, {
      body: `_csrf=${encodeURIComponent(csrf)}&nom=Roux&nom=Roux&prenom[]=Nadia&telephone=0655443301`,
    });
    expect(arrays.status).toBe(400);
    expect(textOf(arrays.html)).toContain('Formulaire invalide');
    const noCsrf = await browser.submit(identifierForm, '/identifiant-oublie', {
      _csrf: undefined,
      nom: 'Roux',
      prenom: 'Nadia',
      telephone: '0655443301',
    });
    expect(noCsrf.status).toBe(403);
    expect(await countRows(db(), 'recovery_flows')).toBe(before.flows);
    expect(await countRows(db(), 'outbox_messages')).toBe(before.messages);
    // Steps cannot be skipped: without a flow, later steps send back to step 1.
    const skipped = await browser.get(
      `${idp.baseUrl}/interaction/${uidOf(login)}/mot-de-passe-oublie/nouveau`,
    );
    expect(textOf(skipped.html)).toContain('Je saisis mon identifiant');
  });
  it('by email: the identifier is mailed to a confirmed address, and a reset link works once', async () => {
    const browser = new HttpBrowser('203.0.113.20');
    const { page: login } = await loginPage(browser, 'responsable_legal');
    const smsForm = await follow(browser, login, 'Identifiant oublié ?');
    const emailForm = await follow(
      browser,
      smsForm,
      'Je préfère recevoir un courriel (adresse électronique confirmée)',
    );
    expect(textOf(emailForm.html)).toContain('Adresse électronique');
    const sent = await browser.submit(emailForm, '/identifiant-oublie/courriel', {
      nom: 'roux',
      prenom: 'NADIA',
      courriel: 'nadia.roux@example.fr',
    });
    expect(sent.status).toBe(200);
    expect(sent.url).toMatch(/\/identifiant-oublie\/courriel-envoye$/);
    expect(textOf(sent.html)).toContain('Un courriel a été envoyé');
    expect(textOf(sent.html)).toContain('n•••@example.fr');
    const identifierMail = await smtp.waitFor((m) => m.subject === 'Votre identifiant ÉduConnect');
    expect(identifierMail.to).toEqual(['nadia.roux@example.fr']);
    expect(identifierMail.text).toContain('n.roux40');
    // Nothing of the identifier on any page of this browser.
    const shown = await browser.get(
      `${idp.baseUrl}/interaction/${uidOf(login)}/identifiant-oublie/identifiant`,
    );
    expect(shown.html).not.toContain('n.roux40');

    // Mot de passe oublié by email: a link, valid once.
    const passwordEmail = await browser.get(
      `${idp.baseUrl}/interaction/${uidOf(login)}/mot-de-passe-oublie/courriel`,
    );
    const linkSent = await browser.submit(passwordEmail, '/mot-de-passe-oublie/courriel', {
      identifiant: 'n.roux40',
      courriel: 'NADIA.ROUX@example.fr',
    });
    expect(textOf(linkSent.html)).toContain('Un courriel a été envoyé');
    const mail = await smtp.waitFor((m) => m.subject === 'Changer votre mot de passe ÉduConnect');
    const link = /(http:\/\/[^\s]+\/mot-de-passe-oublie\/lien\?[^\s]+)/.exec(mail.text)?.[1];
    expect(link).toBeTruthy();
    expect(mail.html).toContain('Je change mon mot de passe');
    const token = new URL(link!).searchParams.get('jeton')!;
    expect(token.length).toBeGreaterThanOrEqual(43); // 32 bytes
    const stored = await db()
      .selectFrom('recovery_flows')
      .selectAll()
      .where('channel', '=', 'email')
      .execute();
    expect(JSON.stringify(stored)).not.toContain(token);

    // Opened on another device: the link alone is enough.
    const phone = new HttpBrowser('203.0.113.21');
    const form = await phone.get(link!);
    expect(form.status).toBe(200);
    expect(textOf(form.html)).toContain('Je change mon mot de passe');
    const weak = await phone.submit(form, '/mot-de-passe-oublie/lien', {
      password: 'court',
      confirmation: 'court',
    });
    expect(weak.status).toBe(400);
    const changed = await phone.submit(form, '/mot-de-passe-oublie/lien', {
      password: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    });
    expect(changed.status).toBe(200);
    expect(textOf(changed.html)).toContain('Votre mot de passe a été modifié');
    expect(textOf(changed.html)).not.toContain('Accéder à mes services');
    const reset = await db()
      .selectFrom('audit_events')
      .select('detail')
      .where('event', '=', 'password.reset')
      .where('detail', '@>', JSON.stringify({ channel: 'email' }) as never)
      .execute();
    expect(reset).toHaveLength(1);
    const other = new HttpBrowser('203.0.113.22');
    const { page: choice } = await rp.begin(other);
    const accepted = await loginWithPassword(other, choice, 'responsable_legal', 'n.roux40', NEW_PASSWORD);
    expect(accepted.url.startsWith(RP_REDIRECT)).toBe(true);

    // Used: refused with a French page, before and after the form.
    const reused = await phone.get(link!);
    expect(reused.status).toBe(410);
    expect(textOf(reused.html)).toContain('Ce lien n’est plus valable');
    const replayed = await phone.submit(form, '/mot-de-passe-oublie/lien', {
      password: 'Autre-Chose-99',
      confirmation: 'Autre-Chose-99',
    });
    expect(replayed.status).toBe(410);
    const forged = await phone.get(link!.replace(/jeton=[^&]+/, `jeton=${'A'.repeat(43)}`));
    expect(forged.status).toBe(410);
  });

  it('by email: an expired link is refused; an unconfirmed or unknown address gets the same page and no email', async () => {
    const browser = new HttpBrowser('203.0.113.23');
    const { page: login } = await loginPage(browser, 'responsable_legal');
    const form = await browser.get(`${idp.baseUrl}/interaction/${uidOf(login)}/mot-de-passe-oublie/courriel`);
    const before = smtp.messages.length;
    const pages = new Set<string>();
    for (const [identifiant, courriel] of [
      ['k.petit31', 'karim.petit@example.fr'], // not confirmed
      ['k.petit31', 'personne@example.fr'], // not the account's
      ['x.inconnu99', 'nadia.roux@example.fr'], // no such identifier
    ] as const) {
      const sent = await browser.submit(form, '/mot-de-passe-oublie/courriel', { identifiant, courriel });
      expect(sent.status).toBe(200);
      pages.add(textOf(sent.html).replace(/[a-z]•••@[a-z.]+/, '<adresse>'));
    }
    expect(pages.size).toBe(1);
    const matched = await browser.submit(form, '/mot-de-passe-oublie/courriel', {
      identifiant: 'n.roux40',
      courriel: 'nadia.roux@example.fr',
    });
    pages.add(textOf(matched.html).replace(/[a-z]•••@[a-z.]+/, '<adresse>'));
    expect(pages.size).toBe(1);
    const mail = await smtp.waitFor(
      (m) => m.subject === 'Changer votre mot de passe ÉduConnect' && smtp.messages.indexOf(m) >= before,
    );
    expect(smtp.messages.length - before).toBe(1);
    const link = /(http:\/\/[^\s]+\/mot-de-passe-oublie\/lien\?[^\s]+)/.exec(mail.text)![1]!;
    await db()
      .updateTable('recovery_flows')
      .set({ code_expires_at: new Date(Date.now() - 1000) })
      .where('channel', '=', 'email')
      .where('state', '=', 'code_sent')
      .execute();
    const expired = await new HttpBrowser('203.0.113.24').get(link);
    expect(expired.status).toBe(410);
    expect(textOf(expired.html)).toContain('a expiré (il est valable 30 minutes)');
    const bad = await browser.submit(form, '/mot-de-passe-oublie/courriel', {
      identifiant: 'n.roux40',
      courriel: 'pas-une-adresse',
    });
    expect(bad.status).toBe(400);
    expect(textOf(bad.html)).toContain('Saisissez une adresse électronique valide');
  });
});
