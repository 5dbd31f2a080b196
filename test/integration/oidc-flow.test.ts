import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountWithTemporaryPassword } from '../../src/domain/accounts/accounts.js';
import { purgeExpired } from '../../src/oidc/adapter.js';
import { HttpBrowser, textOf } from '../helpers/browser.js';
import { countRows, DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { isCallback, loginWithPassword, RP_REDIRECT, TestRelyingParty } from '../helpers/relying-party.js';

const NEW_PASSWORD = 'Trousse-Bleue-42';

describe.each(DATABASE_KINDS)('OIDC code flow on %s', (kind) => {
  let idp: TestIdp;
  let rp: TestRelyingParty;

  beforeAll(async () => {
    idp = await startTestIdp(kind, { env: { TRUST_PROXY: 'true' } });
    rp = await TestRelyingParty.register(idp);
  });
  afterAll(async () => {
    await idp?.stop();
  });

  async function newAccount(profile: 'eleve' | 'responsable_legal' = 'eleve') {
    const created = await createAccountWithTemporaryPassword(idp.database.db, idp.idp.services.hasher, {
      profile,
      givenName: 'Zoé',
      familyName: "D'Arc-Lefèvre",
    });
    return created;
  }

  /** Logs in with the temporary password and goes through the forced change; returns the callback URL. */
  async function loginAndChangePassword(browser: HttpBrowser, params: Record<string, string> = {}) {
    const { account, temporaryPassword } = await newAccount();
    const { request, page: choice } = await rp.begin(browser, params);
    expect(textOf(choice.html)).toContain('Je sélectionne mon profil');
    const changePage = await loginWithPassword(
      browser,
      choice,
      'eleve',
      account.identifier,
      temporaryPassword,
    );
    expect(changePage.url).toContain('/password');
    expect(textOf(changePage.html)).toContain('Je choisis mon nouveau mot de passe');
    const callback = await browser.submit(
      changePage,
      '/password',
      { password: NEW_PASSWORD, confirmation: NEW_PASSWORD },
      isCallback,
    );
    expect(callback.url.startsWith(RP_REDIRECT)).toBe(true);
    return { account, request, callbackUrl: callback.url };
  }

  it('completes discovery, login with forced password change, tokens, userinfo, refresh, revocation and logout', async () => {
    const metadata = rp.configuration.serverMetadata();
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.response_types_supported).toEqual(['code']);

    const browser = new HttpBrowser();
    const { account, request, callbackUrl } = await loginAndChangePassword(browser, {
      scope: 'openid profile educonnect offline_access',
      prompt: 'consent',
    });
    const stored = await idp.database.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow();
    expect(stored.must_change_password).toBe(false);
    expect(stored.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    const tokens = await rp.exchange(callbackUrl, request);
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(idp.baseUrl);
    expect(claims.aud).toBe(rp.client.client_id);
    expect(claims.sub).toMatch(/^[0-9a-f]{96}$/); // pairwise, never the internal id
    expect(claims.sub).not.toContain(account.id);
    expect(tokens.refresh_token).toBeTruthy();

    const userinfo = await oidc.fetchUserInfo(rp.configuration, tokens.access_token, claims.sub);
    expect(userinfo.given_name).toBe('Zoé');
    expect(userinfo.family_name).toBe("D'Arc-Lefèvre");
    expect(userinfo.educonnect_profile).toBe('eleve');

    const refreshed = await oidc.refreshTokenGrant(rp.configuration, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    // Rotation: the old refresh token is spent.
    await expect(oidc.refreshTokenGrant(rp.configuration, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    await oidc.tokenRevocation(rp.configuration, refreshed.access_token);
    const introspection = await oidc.tokenIntrospection(rp.configuration, refreshed.access_token);
    expect(introspection.active).toBe(false);

    // RP-initiated logout with only id_token_hint: a first-party service's own « Se déconnecter » is
    // enough (no second question, the form goes at once), then the success page.
    const logoutUrl = oidc.buildEndSessionUrl(rp.configuration, { id_token_hint: tokens.id_token! });
    const confirm = await browser.get(logoutUrl.toString());
    expect(textOf(confirm.html)).not.toContain("Souhaitez-vous vous déconnecter d'ÉduConnect ?");
    expect(textOf(confirm.html)).toContain('Déconnexion en cours');
    expect(confirm.html).toContain('<script src="/static/logout.js" defer>');
    const done = await browser.submit(confirm, '/session/end/confirm', { logout: 'yes' });
    expect(textOf(done.html)).toContain('Vous êtes déconnecté');
    expect(await countRows(idp.database.db, 'audit_events')).toBeGreaterThan(0);
    await idp.idp.services.audit.flush(); // token events are written in batches
    const events = await idp.database.db
      .selectFrom('audit_events')
      .select('event')
      .where('account_id', '=', account.id)
      .execute();
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['login.success', 'password.changed', 'tokens.issued']),
    );
  });

  it('signs ID tokens with ES256 for a client registered that way, verifiable against the published JWKS', async () => {
    const es256 = await TestRelyingParty.register(idp, {
      idTokenAlg: 'ES256',
      name: 'Service ES256',
    });
    const { account, temporaryPassword } = await newAccount();
    const browser = new HttpBrowser();
    const { request, page } = await es256.begin(browser);
    const change = await loginWithPassword(browser, page, 'eleve', account.identifier, temporaryPassword);
    const callback = await browser.submit(
      change,
      '/password',
      { password: NEW_PASSWORD, confirmation: NEW_PASSWORD },
      isCallback,
    );
    const tokens = await es256.exchange(callback.url, request);
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('ES256');
    const jwks = createRemoteJWKSet(new URL(`${idp.baseUrl}/jwks`));
    const { payload } = await jwtVerify(tokens.id_token!, jwks, {
      issuer: idp.baseUrl,
      audience: es256.client.client_id,
    });
    expect(payload.nonce).toBe(request.nonce);
  });

  it('refuses a replayed authorization code and revokes what it issued', async () => {
    const browser = new HttpBrowser();
    const { request, callbackUrl } = await loginAndChangePassword(browser);
    const tokens = await rp.exchange(callbackUrl, request);
    await expect(rp.exchange(callbackUrl, request)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(
      oidc.fetchUserInfo(rp.configuration, tokens.access_token, oidc.skipSubjectCheck),
    ).rejects.toThrow();
  });

  it('refuses an authorization request without PKCE', async () => {
    const url = new URL(`${idp.baseUrl}/auth`);
    url.search = new URLSearchParams({
      client_id: rp.client.client_id,
      redirect_uri: RP_REDIRECT,
      response_type: 'code',
      scope: 'openid',
      state: 'state-value-long-enough-for-the-test',
    }).toString();
    const browser = new HttpBrowser();
    const page = await browser.get(url.toString(), isCallback);
    const callback = new URL(page.url);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('refuses an unregistered redirect_uri with a French page and no redirect', async () => {
    const request = await rp.authorizationRequest({ redirect_uri: 'http://evil.test/callback' });
    const browser = new HttpBrowser();
    const page = await browser.get(request.url, (u) => u.startsWith('http://evil.test'));
    expect(page.status).toBe(400);
    expect(page.url.startsWith(idp.baseUrl)).toBe(true);
    expect(textOf(page.html)).toContain("L'adresse de retour du service n'est pas enregistrée");
  });

  it('answers a wrong password and an unknown identifier with the same single message', async () => {
    const { account } = await newAccount();
    const browser = new HttpBrowser('198.51.100.7');
    const { page } = await rp.begin(browser);
    const wrong = await loginWithPassword(browser, page, 'eleve', account.identifier, 'Mauvais-Mot-2-Passe');
    const unknown = await loginWithPassword(browser, page, 'eleve', 'x.inconnu99', 'Mauvais-Mot-2-Passe');
    for (const response of [wrong, unknown]) {
      expect(response.status).toBe(401);
      expect(textOf(response.html)).toContain("L'identifiant ou le mot de passe est incorrect");
    }
    // A pupil's credentials on the parent form fail the same way.
    const otherProfile = await loginWithPassword(
      browser,
      page,
      'responsable_legal',
      account.identifier,
      'Mauvais-Mot-2-Passe',
    );
    expect(otherProfile.status).toBe(401);
  });

  it('throttles an account after repeated failures, even with the right password', async () => {
    const { account, temporaryPassword } = await newAccount();
    const browser = new HttpBrowser('198.51.100.8');
    const { page } = await rp.begin(browser);
    for (let i = 0; i < 5; i++) {
      const response = await loginWithPassword(browser, page, 'eleve', account.identifier, `Faux-${i}-Mot!`);
      expect(response.status).toBe(401);
    }
    const blocked = await loginWithPassword(browser, page, 'eleve', account.identifier, temporaryPassword);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(textOf(blocked.html)).toContain('Trop de tentatives de connexion');
  });

  it('rejects malformed login forms with French 4xx pages and writes nothing', async () => {
    const { account, temporaryPassword } = await newAccount();
    const browser = new HttpBrowser('198.51.100.9');
    const { page } = await rp.begin(browser);
    const uid = /\/interaction\/([^/]+)/.exec(page.url)![1]!;
    const login = await browser.get(`${idp.baseUrl}/interaction/${uid}/login/eleve`);
    const before = {
      audit: await countRows(idp.database.db, 'audit_events'),
      throttle: await countRows(idp.database.db, 'login_throttle'),
    };

    const empty = await browser.submit(login, '/login', { identifier: '', password: '' });
    expect(empty.status).toBe(400);
    expect(textOf(empty.html)).toContain('Saisissez votre identifiant.');
    expect(empty.html).toContain('aria-describedby="identifier-erreur"');

    const huge = await browser.submit(login, '/login', {
      identifier: 'a'.repeat(10_000),
      password: 'b'.repeat(10_000),
    });
    expect(huge.status).toBe(400);
    expect(textOf(huge.html)).toContain('Le formulaire envoyé est invalide');

    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.html)![1]!;
    const arrays = await browser.request(`${idp.baseUrl}/interaction/${uid}/login`, {
      method: 'POST',
      form: { _csrf: csrf, profile: 'eleve', 'identifier[0]': 'a', 'identifier[1]': 'b', password: 'x' },
    });
    expect(arrays.status).toBe(400);

    const noCsrf = await browser.submit(login, '/login', {
      _csrf: undefined,
      identifier: account.identifier,
      password: temporaryPassword,
    });
    expect(noCsrf.status).toBe(403);
    expect(textOf(noCsrf.html)).toContain('Le formulaire a expiré');

    const badProfile = await browser.submit(login, '/login', {
      profile: 'admin',
      identifier: account.identifier,
      password: 'x',
    });
    expect(badProfile.status).toBe(400);

    expect(await countRows(idp.database.db, 'audit_events')).toBe(before.audit);
    expect(await countRows(idp.database.db, 'login_throttle')).toBe(before.throttle);
    for (const response of [empty, huge, arrays, noCsrf, badProfile]) {
      expect(response.html).toContain('<html lang="fr">');
      expect(response.html).not.toMatch(/at \w+ \(|Error:/);
    }
  });

  it('shows a French page that leads back to the service when the interaction expired', async () => {
    const browser = new HttpBrowser();
    const { page } = await rp.begin(browser);
    const uid = /\/interaction\/([^/]+)/.exec(page.url)![1]!;
    await idp.database.db
      .updateTable('oidc_payloads')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('kind', '=', 'Interaction')
      .where('id', '=', uid)
      .execute();
    const expired = await browser.get(`${idp.baseUrl}/interaction/${uid}/login/eleve`);
    expect(expired.status).toBe(400);
    expect(textOf(expired.html)).toContain('Votre session a expiré');
    expect(expired.html).toContain('href="http://rp.test/"');

    const unknown = await new HttpBrowser().get(`${idp.baseUrl}/interaction/inconnu`);
    expect(unknown.status).toBe(400);
    expect(textOf(unknown.html)).toContain('Votre session a expiré');
  });

  it('asks consent for a service that is not first-party, listing what is shared', async () => {
    const thirdParty = await TestRelyingParty.register(idp, {
      firstParty: false,
      name: 'Téléservice bourses',
    });
    const { account, temporaryPassword } = await newAccount();
    const browser = new HttpBrowser();
    const { request, page } = await thirdParty.begin(browser);
    const changed = await loginWithPassword(browser, page, 'eleve', account.identifier, temporaryPassword);
    const consent = await browser.submit(changed, '/password', {
      password: NEW_PASSWORD,
      confirmation: NEW_PASSWORD,
    });
    expect(textOf(consent.html)).toContain('Téléservice bourses');
    expect(textOf(consent.html)).toContain('vos nom, prénom');
    const callback = await browser.submit(consent, '/consent', {}, isCallback);
    const tokens = await thirdParty.exchange(callback.url, request);
    expect(tokens.claims()?.sub).toMatch(/^[0-9a-f]{96}$/);
  });

  it('lets the user cancel at the profile choice and returns access_denied to the service', async () => {
    const browser = new HttpBrowser();
    const { page } = await rp.begin(browser);
    const back = await browser.submit(page, '/abort', {}, isCallback);
    expect(new URL(back.url).searchParams.get('error')).toBe('access_denied');
  });

  it('purges expired adapter rows and keeps live ones', async () => {
    const { db } = idp.database;
    await db
      .insertInto('oidc_payloads')
      .values([
        {
          kind: 'AccessToken',
          id: 'expired-1',
          payload: '{}',
          grant_id: null,
          user_code: null,
          uid: null,
          expires_at: new Date(Date.now() - 60_000),
        },
        {
          kind: 'AccessToken',
          id: 'live-1',
          payload: '{}',
          grant_id: null,
          user_code: null,
          uid: null,
          expires_at: new Date(Date.now() + 60_000),
        },
      ])
      .execute();
    expect(await purgeExpired(db)).toBeGreaterThanOrEqual(1);
    const left = await db
      .selectFrom('oidc_payloads')
      .select('id')
      .where('id', 'in', ['expired-1', 'live-1'])
      .execute();
    expect(left.map((r) => r.id)).toEqual(['live-1']);
  });
});
