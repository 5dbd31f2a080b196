import { randomUUID } from 'node:crypto';
import { importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntConfigError, loadStandaloneEntConfig } from '../../src/ent/config.js';
import { portalUserFromClaims } from '../../src/ent/portal.js';
import { generateSigningKey, readJwks } from '../../src/oidc/keys.js';
import { HttpBrowser, textOf } from '../helpers/browser.js';
import { type DemoStack, startDemoStack } from '../helpers/demo-stack.js';
import { TEST_JWKS } from '../helpers/paths.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

describe('demo ENT over HTTP', () => {
  let stack: DemoStack;

  beforeAll(async () => {
    stack = await startDemoStack('pglite');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function logoutToken(claims: Record<string, unknown>, key?: JWK) {
    const jwk = key ?? readJwks(TEST_JWKS).keys.find((k) => k.alg === 'RS256')!;
    const signingKey = await importJWK(jwk, jwk.alg);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: stack.idp.baseUrl,
      aud: stack.ent.config.clientId,
      iat: now,
      exp: now + 120,
      events: { [EVENT]: {} },
      jti: randomUUID(),
      ...claims,
    })
      .setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid, typ: 'logout+jwt' })
      .sign(signingKey);
  }

  function loggedInSession(subject: string) {
    const session = stack.ent.ent.sessions.create();
    Object.assign(session, {
      subject,
      user: {
        givenName: 'A',
        familyName: 'B',
        profile: 'eleve',
        establishments: [],
        children: [],
        level: null,
      },
    });
    return session;
  }

  const postLogout = (body: Record<string, string>) =>
    fetch(`${stack.ent.baseUrl}/auth/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    });

  it('ends the sessions named by a valid back-channel logout token, and only those', async () => {
    const target = loggedInSession('subject-1');
    const other = loggedInSession('subject-2');
    const response = await postLogout({ logout_token: await logoutToken({ sub: 'subject-1' }) });
    expect(response.status).toBe(200);
    expect(stack.ent.ent.sessions.find(target.id)).toBeUndefined();
    expect(stack.ent.ent.sessions.find(other.id)).toBeDefined();
  });

  it('refuses a replayed logout token: a session opened after the logout survives', async () => {
    const token = await logoutToken({ sub: 'subject-3' });
    expect((await postLogout({ logout_token: token })).status).toBe(200);
    const later = loggedInSession('subject-3');
    expect((await postLogout({ logout_token: token })).status).toBe(400);
    expect(stack.ent.ent.sessions.find(later.id)).toBeDefined();
  });

  it.each([
    ['a token that is not a JWT', async () => 'not-a-token'],
    [
      'a token signed by another key',
      async () => logoutToken({ sub: 'victim' }, await generateSigningKey('RS256')),
    ],
    ['a token for another client', async () => logoutToken({ sub: 'victim', aud: 'another-client' })],
    ['a token without the logout event', async () => logoutToken({ sub: 'victim', events: {} })],
    ['a token with a nonce (an ID token)', async () => logoutToken({ sub: 'victim', nonce: 'n' })],
    ['a token naming neither sub nor sid', async () => logoutToken({})],
  ])('rejects %s and ends nothing', async (_name, build) => {
    const victim = loggedInSession('victim');
    const response = await postLogout({ logout_token: await build() });
    expect(response.status).toBe(400);
    expect(stack.ent.ent.sessions.find(victim.id)).toBeDefined();
  });

  it('refuses POST forms without the CSRF token, with a French page', async () => {
    for (const path of ['/auth/login', '/etablissements', '/deconnexion']) {
      const response = await fetch(`${stack.ent.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'uai=0861234A',
        redirect: 'manual',
      });
      expect(response.status, path).toBe(403);
      expect(textOf(await response.text())).toContain('Formulaire expiré');
    }
  });

  it('logs in with PKCE, state and nonce and keeps tokens out of the browser', async () => {
    const browser = new HttpBrowser();
    const home = await browser.get(`${stack.ent.baseUrl}/`);
    expect(textOf(home.html)).toContain("Vous voulez vous connecter à l'ENT en tant que :");
    const choice = await browser.submit(home, '/auth/login');
    const authorize = new URL(browser.history.find((u) => u.includes('/auth?'))!);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')?.length).toBeGreaterThanOrEqual(32);
    expect(authorize.searchParams.get('nonce')?.length).toBeGreaterThanOrEqual(32);
    expect(authorize.searchParams.get('scope')).toBe('openid profile educonnect');
    const uid = /\/interaction\/([^/?#]+)/.exec(choice.url)![1];
    const login = await browser.get(`${stack.idp.baseUrl}/interaction/${uid}/login/eleve`);
    const landing = await browser.submit(login, '/login', {
      identifier: 'l.martin45',
      password: 'Cartable#2026',
    });
    expect(landing.url).toBe(`${stack.ent.baseUrl}/etablissement`);
    expect(textOf(landing.html)).toContain('Lucas Martin');
    expect(browser.cookieNames('127.0.0.1')).toContain('ent_session');
    expect(landing.html).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./); // no JWT in the page
    // The callback cannot be replayed: its state is spent.
    const callback = browser.history.find((u) => u.startsWith(`${stack.ent.baseUrl}/auth/callback`))!;
    const replay = await new HttpBrowser().get(callback);
    expect(replay.status).toBe(400);
    expect(textOf(replay.html)).toContain('Votre session a expiré');
  });

  it('sends every unknown page to a French 404 with a way back', async () => {
    const response = await fetch(`${stack.ent.baseUrl}/nulle-part`);
    expect(response.status).toBe(404);
    expect(textOf(await response.text())).toContain('Page introuvable');
  });
});

describe('ENT claims and configuration', () => {
  it('groups a parent’s children by establishment and sorts establishments by name', () => {
    const lycee = { uai: '0860034C', name: 'Lycée Camille Guérin', kind: 'lycee', town: 'Poitiers' };
    const college = { uai: '0861234A', name: 'Collège Jean Moulin', kind: 'college', town: null };
    const user = portalUserFromClaims({
      given_name: 'Sophie',
      family_name: 'Durand',
      educonnect_profile: 'responsable_legal',
      establishments: [lycee, college],
      pupils: [
        { id: 'p1', given_name: 'Léa', family_name: 'Durand', level: '1ERE', establishment: lycee },
        { id: 'p2', given_name: 'Léo', family_name: 'Durand', level: null, establishment: college },
      ],
    });
    expect(user.establishments.map((e) => e.uai)).toEqual(['0861234A', '0860034C']);
    expect(user.children.map((c) => [c.givenName, c.establishmentUai])).toEqual([
      ['Léa', '0860034C'],
      ['Léo', '0861234A'],
    ]);
  });

  it('requires ENT_ISSUER, ENT_CLIENT_ID, ENT_CLIENT_SECRET, ENT_BASE_URL and ENT_COOKIE_KEYS in production', () => {
    expect(() => loadStandaloneEntConfig({ NODE_ENV: 'production' })).toThrow(EntConfigError);
    try {
      loadStandaloneEntConfig({ NODE_ENV: 'production', ENT_ISSUER: 'http://idp.example.fr' });
    } catch (error) {
      const problems = (error as EntConfigError).problems.join('\n');
      for (const name of ['ENT_CLIENT_ID', 'ENT_CLIENT_SECRET', 'ENT_BASE_URL', 'ENT_COOKIE_KEYS', 'https'])
        expect(problems).toContain(name);
    }
    const config = loadStandaloneEntConfig({
      NODE_ENV: 'production',
      ENT_ISSUER: 'https://educonnect.example.fr/',
      ENT_BASE_URL: 'https://ent.example.fr',
      ENT_CLIENT_ID: 'ent',
      ENT_CLIENT_SECRET: 's3cret',
      ENT_COOKIE_KEYS: 'k'.repeat(40),
      ENT_PORT: '4100',
    });
    expect(config).toMatchObject({ issuer: 'https://educonnect.example.fr', port: 4100, clientId: 'ent' });
  });
});
