import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser, type Page, textOf } from '../helpers/browser.js';
import { countRows, DATABASE_KINDS } from '../helpers/databases.js';
import { type FranceConnectStack, startFranceConnectStack } from '../helpers/franceconnect.js';
import { isCallback, loginWithPassword, TestRelyingParty } from '../helpers/relying-party.js';

const FAILED_LOGIN = "L'identifiant ou le mot de passe est incorrect";

describe.each(DATABASE_KINDS)('FranceConnect on %s', (kind) => {
  let stack: FranceConnectStack;
  let rp: TestRelyingParty;

  beforeAll(async () => {
    stack = await startFranceConnectStack(kind);
    rp = await TestRelyingParty.register(stack.idp);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const db = () => stack.idp.database.db;
  const idpUrl = (path: string) => new URL(path, stack.idp.baseUrl).toString();
  const uidOf = (page: Page) => /\/interaction\/([^/?#]+)/.exec(page.url)![1]!;

  async function outbox(to: string): Promise<{ body: string }[]> {
    const response = await fetch(idpUrl(`/dev/outbox?to=${encodeURIComponent(to)}`));
    return (await response.json()) as { body: string }[];
  }
  async function latestCode(to: string): Promise<string> {
    const [message] = await outbox(to);
    const code = /\b([0-9]{6})\b/.exec(message?.body ?? '')?.[1];
    if (!code) throw new Error(`no code sent to ${to}`);
    return code;
  }

  /** From the service to the parent login page, then « S'identifier avec FranceConnect ». */
  async function toFranceConnect(browser: HttpBrowser) {
    const { request, page: choice } = await rp.begin(browser);
    const login = await browser.get(idpUrl(`/interaction/${uidOf(choice)}/login/responsable_legal`));
    const text = textOf(login.html);
    expect(text).toContain("J'accède à mes services avec FranceConnect");
    expect(text.indexOf("S'identifier avec FranceConnect")).toBeLessThan(text.indexOf('Identifiant'));
    expect(login.html).toContain(`title="Qu'est-ce que FranceConnect ? - nouvelle fenêtre"`);
    expect(login.html).toContain('<p class="separator">ou</p>');
    const fcPage = await browser.submit(login, '/franceconnect', {}, isCallback);
    return { request, uid: uidOf(choice), fcPage };
  }

  /** On the local FranceConnect: the choice of an account, then « Continuer sur Education nationale ». */
  async function throughFranceConnect(browser: HttpBrowser, fcPage: Page, identity: string) {
    let page = fcPage;
    if (textOf(page.html).includes('Je choisis un compte')) {
      expect(textOf(page.html)).toContain('Se souvenir de mon choix');
      page = await browser.submit(page, '/choix', { identite: identity }, isCallback);
    }
    const text = textOf(page.html);
    expect(text).toContain('Bienvenue');
    expect(text).toContain("Ce n'est pas vous ?");
    expect(text).toContain(
      'À la demande du service auquel vous souhaitez accéder, certaines données vont être transmises.',
    );
    return browser.submit(page, '/continuer', {}, isCallback);
  }

  async function firstLogin(browser: HttpBrowser, identity: string, phone: string) {
    const { request, fcPage } = await toFranceConnect(browser);
    const phonePage = await throughFranceConnect(browser, fcPage, identity);
    expect(textOf(phonePage.html)).toContain('Je renseigne mon n° de téléphone portable');
    const codePage = await browser.submit(phonePage, '/franceconnect/telephone', { telephone: phone });
    expect(textOf(codePage.html)).toContain('Un code de sécurité a été envoyé');
    return { request, codePage };
  }

  async function answerPupils(browser: HttpBrowser, page: Page, birthDates: string[][]) {
    const ids = [...page.html.matchAll(/name="lien_([0-9a-f-]{36})"/g)].map((m) => m[1]!);
    const unique = [...new Set(ids)];
    expect(unique).toHaveLength(birthDates.length);
    const fields: Record<string, string> = {};
    unique.forEach((id, i) => {
      const [day, month, year] = birthDates[i]!;
      Object.assign(fields, {
        [`lien_${id}`]: 'oui',
        [`naissance-${id}_jour`]: day!,
        [`naissance-${id}_mois`]: month!,
        [`naissance-${id}_annee`]: year!,
      });
    });
    return browser.submit(page, '/franceconnect/eleves', fields, isCallback);
  }

  it('first login of a parent without an account: phone, SMS code, birth dates, then a password-less account; later straight through', async () => {
    const browser = new HttpBrowser();
    const accountsBefore = await countRows(db(), 'accounts');
    const { request, codePage } = await firstLogin(browser, 'fc-sophie-durand', '06 12 34 56 78');
    const pupils = await browser.submit(codePage, '/franceconnect/code', {
      code: await latestCode('+33612345678'),
    });
    expect(textOf(pupils.html)).toContain('Je confirme mon lien avec les élèves');
    // A wrong birth date: a French message, 400, nothing linked
    const wrong = await answerPupils(browser, pupils, [
      ['21', '09', '2008'],
      ['11', '05', '2012'],
    ]);
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.html)).toContain('est incorrecte');
    expect(await countRows(db(), 'franceconnect_links')).toBe(0);
    const done = await answerPupils(browser, wrong, [
      ['21', '09', '2008'],
      ['10', '05', '2012'],
    ]);
    expect(isCallback(done.url)).toBe(true);
    const tokens = await rp.exchange(done.url, request);
    expect(tokens.claims()?.sub).toBeTruthy();
    expect(await countRows(db(), 'accounts')).toBe(accountsBefore + 1);
    const account = await db()
      .selectFrom('accounts as a')
      .innerJoin('franceconnect_links as l', 'l.account_id', 'a.id')
      .select(['a.id', 'a.identifier', 'a.password_hash', 'a.family_name'])
      .where('a.family_name', '=', 'Durand')
      .executeTakeFirstOrThrow();
    expect(account.password_hash).toBeNull();
    const bound = await db()
      .selectFrom('account_pupils')
      .select('pupil_id')
      .where('account_id', '=', account.id)
      .execute();
    expect(bound).toHaveLength(2);

    // A FranceConnect account has no password: the password login gives the one generic answer.
    const other = new HttpBrowser();
    const { page: choice } = await rp.begin(other);
    const refused = await loginWithPassword(
      other,
      choice,
      'responsable_legal',
      account.identifier,
      'Nimporte#2026',
    );
    expect(refused.status).toBe(401);
    expect(textOf(refused.html)).toContain(FAILED_LOGIN);

    // Again, in another browser: FranceConnect's `sub` leads straight to the account, no SMS.
    const again = new HttpBrowser();
    const sent = (await outbox('+33612345678')).length;
    const second = await toFranceConnect(again);
    const back = await throughFranceConnect(again, second.fcPage, 'fc-sophie-durand');
    expect(isCallback(back.url)).toBe(true);
    const secondTokens = await rp.exchange(back.url, second.request);
    expect(secondTokens.claims()?.sub).toBe(tokens.claims()?.sub);
    expect((await outbox('+33612345678')).length).toBe(sent);
    expect(await countRows(db(), 'accounts')).toBe(accountsBefore + 1);

    // The registry now lists a third child: the next FranceConnect login asks « Ajout d'élèves » first.
    const pupil = await db()
      .insertInto('pupils')
      .values({
        registry_id: 'C-FC-1',
        family_name: 'Durand',
        given_name: 'Noé',
        birth_date: '2014-01-15',
        establishment_uai: '0861234A',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const representative = await db()
      .selectFrom('representatives')
      .select('id')
      .where('account_id', '=', account.id)
      .limit(1)
      .executeTakeFirstOrThrow();
    await db()
      .insertInto('pupil_representatives')
      .values({ pupil_id: pupil.id, representative_id: representative.id })
      .execute();
    const third = new HttpBrowser();
    const later = await toFranceConnect(third);
    const adding = await throughFranceConnect(third, later.fcPage, 'fc-sophie-durand');
    expect(textOf(adding.html)).toContain("Ajout d'élèves");
    expect(textOf(adding.html)).toContain('Noé Durand');
  });

  it('offers FranceConnect to parents only', async () => {
    const browser = new HttpBrowser();
    const { page: choice } = await rp.begin(browser);
    const pupil = await browser.get(idpUrl(`/interaction/${uidOf(choice)}/login/eleve`));
    expect(pupil.status).toBe(200);
    expect(textOf(pupil.html)).not.toContain('FranceConnect');
  });

  it('a parent unknown to the registry gets the same pages and no SMS', async () => {
    const browser = new HttpBrowser();
    const { codePage } = await firstLogin(browser, 'fc-antoine-bernard', '06 11 22 33 44');
    expect(codePage.status).toBe(200);
    expect(await outbox('+33611223344')).toEqual([]);
    const wrong = await browser.submit(codePage, '/franceconnect/code', { code: '123456' });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.html)).toContain('Le code de sécurité est incorrect');
  });

  it('refuses a phone that is not one, or a form without its CSRF token, with nothing written', async () => {
    const browser = new HttpBrowser();
    const { page: choice } = await rp.begin(browser);
    const login = await browser.get(idpUrl(`/interaction/${uidOf(choice)}/login/responsable_legal`));
    const logins = await countRows(db(), 'franceconnect_logins');
    const noToken = await browser.submit(login, '/franceconnect', { _csrf: undefined });
    expect(noToken.status).toBe(403);
    expect(await countRows(db(), 'franceconnect_logins')).toBe(logins);
    const { fcPage } = await toFranceConnect(browser);
    const phonePage = await throughFranceConnect(browser, fcPage, 'fc-antoine-bernard');
    const flows = await countRows(db(), 'registry_flows');
    const forged = await browser.submit(phonePage, '/franceconnect/telephone', {
      _csrf: undefined,
      telephone: '06 12 34 56 78',
    });
    expect(forged.status).toBe(403);
    const bad = await browser.submit(phonePage, '/franceconnect/telephone', { telephone: 'abc' });
    expect(bad.status).toBe(400);
    expect(textOf(bad.html)).toContain('Saisissez un numéro de téléphone valide');
    expect(await countRows(db(), 'registry_flows')).toBe(flows);
  });

  it('links an existing EduConnect account, which then signs in both ways', async () => {
    const browser = new HttpBrowser();
    const accountsBefore = await countRows(db(), 'accounts');
    const { request, codePage } = await firstLogin(browser, 'fc-claire-martin', '06 12 34 56 01');
    const pupils = await browser.submit(codePage, '/franceconnect/code', {
      code: await latestCode('+33612345601'),
    });
    const done = await answerPupils(browser, pupils, [
      ['05', '09', '2008'],
      ['14', '03', '2011'],
    ]);
    expect(isCallback(done.url)).toBe(true);
    await rp.exchange(done.url, request);
    expect(await countRows(db(), 'accounts')).toBe(accountsBefore);
    const link = await db()
      .selectFrom('franceconnect_links as l')
      .innerJoin('accounts as a', 'a.id', 'l.account_id')
      .select('a.identifier')
      .where('a.identifier', '=', 'c.martin12')
      .executeTakeFirst();
    expect(link).toBeTruthy();
    const password = new HttpBrowser();
    const { page: choice } = await rp.begin(password);
    const byPassword = await loginWithPassword(
      password,
      choice,
      'responsable_legal',
      'c.martin12',
      'Cartable#2026',
    );
    expect(isCallback(byPassword.url)).toBe(true);
    const fcAgain = new HttpBrowser();
    const second = await toFranceConnect(fcAgain);
    expect(isCallback((await throughFranceConnect(fcAgain, second.fcPage, 'fc-claire-martin')).url)).toBe(
      true,
    );
  });

  it('refuses a tampered userinfo JWT, a wrong acr, a replayed state and a cancel with a French page', async () => {
    const attempt = async (identity = 'fc-claire-martin') => {
      const browser = new HttpBrowser();
      const { uid, fcPage } = await toFranceConnect(browser);
      return { uid, browser, page: await throughFranceConnect(browser, fcPage, identity) };
    };
    try {
      stack.fc.behaviour.tamperUserinfo = true;
      const tampered = await attempt();
      expect(tampered.page.status).toBe(403);
      expect(textOf(tampered.page.html)).toContain('Connexion avec FranceConnect impossible');
      expect(tampered.page.html).toContain(`/interaction/${tampered.uid}/login/responsable_legal`);
    } finally {
      stack.fc.behaviour.tamperUserinfo = false;
    }
    try {
      stack.fc.behaviour.acr = 'eidas2';
      const lowAcr = await attempt();
      expect(lowAcr.page.status).toBe(403);
      expect(textOf(lowAcr.page.html)).toContain('Connexion avec FranceConnect impossible');
    } finally {
      stack.fc.behaviour.acr = 'eidas1';
    }
    // The callback URL played twice: the second time is refused.
    const browser = new HttpBrowser();
    const { fcPage } = await toFranceConnect(browser);
    const choice = await browser.submit(fcPage, '/choix', { identite: 'fc-claire-martin' });
    const callback = await browser.submit(choice, '/continuer', {}, (url) =>
      url.includes('/franceconnect/callback'),
    );
    expect(callback.url).toContain('/franceconnect/callback');
    const first = await browser.get(callback.url, isCallback);
    expect(isCallback(first.url)).toBe(true);
    const replayed = await browser.get(callback.url, isCallback);
    expect(replayed.status).toBe(403);
    expect(textOf(replayed.html)).toContain('Connexion avec FranceConnect impossible');

    // « Revenir sur Education nationale » on FranceConnect: a French page with the way back.
    const cancelling = new HttpBrowser();
    const cancel = await toFranceConnect(cancelling);
    const cancelled = await cancelling.submit(cancel.fcPage, '/abandon', {}, isCallback);
    expect(cancelled.status).toBe(400);
    expect(textOf(cancelled.html)).toContain('Connexion avec FranceConnect annulée');
    expect(cancelled.html).toContain(`/interaction/${cancel.uid}/login/responsable_legal`);
  });

  it('logout ends our session and FranceConnect’s', async () => {
    const browser = new HttpBrowser();
    const { request, fcPage } = await toFranceConnect(browser);
    const done = await throughFranceConnect(browser, fcPage, 'fc-claire-martin');
    const tokens = await rp.exchange(done.url, request);
    const logoutUrl = new URL(idpUrl('/session/end'));
    logoutUrl.searchParams.set('id_token_hint', tokens.id_token!);
    logoutUrl.searchParams.set('post_logout_redirect_uri', 'http://rp.test/logged-out');
    logoutUrl.searchParams.set('state', 'etat-de-test');
    const confirm = await browser.get(logoutUrl.toString());
    // A first-party service with a valid ID token: no question, the logout form is sent at once.
    expect(textOf(confirm.html)).toContain('Déconnexion en cours');
    const fcLogout = await browser.submit(confirm, '/session/end/confirm', { logout: 'yes' });
    expect(fcLogout.url.startsWith(stack.fc.baseUrl)).toBe(true);
    const back = await browser.submit(fcLogout, '/session/end/confirm', {}, (url) =>
      url.startsWith('http://rp.test/'),
    );
    expect(back.url).toBe('http://rp.test/logged-out?state=etat-de-test');
    expect(browser.history.some((url) => url.startsWith(idpUrl('/franceconnect/deconnexion')))).toBe(true);
    // Both sessions ended: the IdP asks for the profile again, FranceConnect for an account again.
    const next = await toFranceConnect(browser);
    expect(textOf(next.fcPage.html)).toContain('Je choisis un compte pour me connecter sur');
    const row = await sql<{
      n: string;
    }>`select count(*)::text as n from franceconnect_logins where id_token is not null and logout_state_hash is not null`.execute(
      db(),
    );
    expect(row.rows[0]?.n).toBe('0');
  });
});
