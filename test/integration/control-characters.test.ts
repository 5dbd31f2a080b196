import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistryCsv, REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { importRegistry } from '../../src/domain/registry/import.js';
import { formsOf, HttpBrowser, type Page, textOf } from '../helpers/browser.js';
import { countRows, DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { TestRelyingParty } from '../helpers/relying-party.js';

/**
 * A NUL byte (or any other control character) in a field is not something a person types: a French
 * 400 page, nothing written, never a 500 (PostgreSQL refuses NUL in text and \u0000 in jsonb).
 */
const REGISTRY = [
  REGISTRY_COLUMNS.join(';'),
  '0861234A;Collège Jean Moulin;C-E1;Durand;Léo;10/05/2012;5EME;C-R1;Durand;Sophie;06 12 34 56 78;',
].join('\n');

describe.each(DATABASE_KINDS)('control characters in requests on %s', (kind) => {
  let idp: TestIdp;
  let rp: TestRelyingParty;

  beforeAll(async () => {
    idp = await startTestIdp(kind);
    await importRegistry(idp.database.db, parseRegistryCsv(REGISTRY).lines);
    rp = await TestRelyingParty.register(idp);
  });
  afterAll(async () => {
    await idp?.stop();
  });

  const tables = ['audit_events', 'login_throttle', 'accounts', 'registry_flows', 'outbox_messages'];
  async function rowCounts() {
    return Object.fromEntries(
      await Promise.all(tables.map(async (t) => [t, await countRows(idp.database.db, t)] as const)),
    );
  }

  /** Posts the form of `page` whose action ends with `action`, with `values` on top, as typed bytes. */
  function post(browser: HttpBrowser, page: Page, action: string, values: Record<string, string>) {
    const form = formsOf(page.html, page.url).find((f) => f.action.endsWith(action));
    if (!form) throw new Error(`no form ${action} on ${page.url}`);
    return browser.request(form.action, { form: { ...form.fields, ...values } });
  }

  function expectFormRefused(page: Page) {
    expect(page.status).toBe(400);
    expect(textOf(page.html)).toContain('Le formulaire envoyé est invalide');
  }

  it('refuses them in the login form', async () => {
    const browser = new HttpBrowser();
    const { page } = await rp.begin(browser);
    const uid = /\/interaction\/([^/]+)/.exec(page.url)![1];
    const login = await browser.get(`${idp.baseUrl}/interaction/${uid}/login/responsable_legal`);
    const before = await rowCounts();
    for (const values of [
      { identifier: '\u0000', password: 'Faux-Mot-2-Passe' },
      { identifier: 'c.martin12\u0000', password: 'Faux-Mot-2-Passe' },
      { identifier: 'c.martin12', password: 'Faux\u0000Mot' },
      { identifier: 'c.mar\u001btin12', password: 'Faux-Mot-2-Passe' },
      { identifier: 'c.martin12\r\n', password: 'Faux-Mot-2-Passe' },
      { identifier: 'c.martin12\u0085', password: 'Faux-Mot-2-Passe' },
    ])
      expectFormRefused(await post(browser, login, '/login', values));
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses them in the activation form', async () => {
    const browser = new HttpBrowser();
    const { page } = await rp.begin(browser);
    const uid = /\/interaction\/([^/]+)/.exec(page.url)![1];
    const identity = await browser.get(`${idp.baseUrl}/interaction/${uid}/activation`);
    const before = await rowCounts();
    for (const values of [
      { nom: 'Dur\u0000and', prenom: 'Sophie', telephone: '06 12 34 56 78' },
      { nom: 'Durand', prenom: '\u0000', telephone: '06 12 34 56 78' },
      { nom: 'Durand', prenom: 'Sophie', telephone: '06\u000012 34 56 78' },
    ])
      expectFormRefused(await post(browser, identity, '/activation/identite', values));
    expect(await rowCounts()).toEqual(before);
  });

  it('answers the provider routes with a French 400 page or a JSON 400, never a 500', async () => {
    const request = await rp.authorizationRequest();
    const url = new URL(request.url);
    const browser = new HttpBrowser();

    url.searchParams.set('client_id', '\u0000');
    const unknownClient = await browser.get(url.toString());
    expect(unknownClient.status).toBe(400);
    expect(textOf(unknownClient.html)).toContain('Connexion impossible');

    const withState = new URL(request.url);
    withState.searchParams.set('state', `état\u0000${'x'.repeat(40)}`);
    // a client that is known gets its redirect back with the OAuth error, as for any invalid request
    const stateAnswer = await browser.get(withState.toString(), (u) => u.startsWith('http://rp.test/'));
    expect(stateAnswer.status, stateAnswer.html).toBe(0);
    expect(new URL(stateAnswer.url).searchParams.get('error')).toBe('invalid_request');

    const basic = Buffer.from(`${rp.client.client_id}:${rp.client.client_secret}`).toString('base64');
    const token = await fetch(`${idp.baseUrl}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: '\u0000abc',
        redirect_uri: 'http://rp.test/callback',
        code_verifier: 'v'.repeat(43),
      }),
    });
    expect(token.status).toBe(400);
    expect(((await token.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('answers a control character in a page address with a French 4xx page', async () => {
    const browser = new HttpBrowser();
    const page = await browser.get(`${idp.baseUrl}/interaction/%00abc`);
    expect(page.status).toBe(400);
    expect(textOf(page.html)).toContain('Votre session a expiré');
    const outbox = await fetch(`${idp.baseUrl}/dev/outbox?to=%00`);
    expect(outbox.status).toBeLessThan(500);
  });
});
