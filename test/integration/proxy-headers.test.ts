import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formsOf, HttpBrowser, type Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { TestRelyingParty } from '../helpers/relying-party.js';

/**
 * Behind reverse proxies the client address is the one the outermost trusted proxy saw, never the
 * left of X-Forwarded-For (written by the client), and the provider's URLs come from ISSUER alone.
 */
describe.each(DATABASE_KINDS)('proxy headers on %s', (kind) => {
  let oneProxy: TestIdp;
  let twoProxies: TestIdp;

  beforeAll(async () => {
    oneProxy = await startTestIdp(kind, { env: { TRUST_PROXY: 'true' } });
    twoProxies = await startTestIdp(kind, { env: { TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '2' } });
  });
  afterAll(async () => {
    await oneProxy?.stop();
    await twoProxies?.stop();
  });

  /** A failed login whose request carries `forwardedFor` as X-Forwarded-For, as the proxy passes it on. */
  async function failedLogin(idp: TestIdp, forwardedFor: string, identifier: string): Promise<Page> {
    const rp = await TestRelyingParty.register(idp);
    const browser = new HttpBrowser();
    const { page } = await rp.begin(browser);
    const uid = /\/interaction\/([^/]+)/.exec(page.url)![1];
    const login = await browser.get(`${idp.baseUrl}/interaction/${uid}/login/responsable_legal`);
    const form = formsOf(login.html, login.url).find((f) => f.action.endsWith('/login'))!;
    return browser.request(form.action, {
      form: { ...form.fields, identifier, password: 'Faux-Mot-2-Passe' },
      headers: { 'x-forwarded-for': forwardedFor },
    });
  }

  const failureAddresses = (idp: TestIdp) =>
    idp.database.db
      .selectFrom('audit_events')
      .select('ip')
      .where('event', '=', 'login.failure')
      .execute()
      .then((rows) => rows.map((r) => r.ip).sort());

  it('counts failures against the address the proxy saw, whatever the client writes on the left', async () => {
    const { db } = oneProxy.database;
    // the proxy appends the address it saw (203.0.113.60); the client made up the rest
    const first = await failedLogin(oneProxy, '1.1.1.1, 203.0.113.60', 'x.inconnu1');
    expect(first.status).toBe(401);
    expect(await failureAddresses(oneProxy)).toEqual(['203.0.113.60']);

    const [row] = await db.selectFrom('login_throttle').selectAll().where('key', 'like', 'ip:%').execute();
    expect(row).toBeDefined();
    // 99 failures so far from this address: the 100th blocks it, even under a new spoofed value
    await db.updateTable('login_throttle').set({ failures: 99 }).where('key', '=', row!.key).execute();
    expect((await failedLogin(oneProxy, '2.2.2.2, 203.0.113.60', 'x.inconnu2')).status).toBe(401);
    const blocked = await failedLogin(oneProxy, '3.3.3.3, 203.0.113.60', 'x.inconnu3');
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/);
    // a real other client behind the same proxy is not blocked
    expect((await failedLogin(oneProxy, '203.0.113.60, 203.0.113.61', 'x.inconnu4')).status).toBe(401);
    // (the blocked attempt is refused before any password check: no failure recorded)
    expect(await failureAddresses(oneProxy)).toEqual(['203.0.113.60', '203.0.113.60', '203.0.113.61']);
  });

  it('takes the address TRUST_PROXY_HOPS entries from the right behind a chain of proxies', async () => {
    // client-written, then what the CDN saw (the client), then what the load balancer saw (the CDN)
    const response = await failedLogin(twoProxies, '9.9.9.9, 198.51.100.20, 10.0.0.5', 'x.inconnu5');
    expect(response.status).toBe(401);
    expect(await failureAddresses(twoProxies)).toEqual(['198.51.100.20']);
  });

  /** GET with any Host header (fetch cannot set it). */
  function getDiscovery(idp: TestIdp, headers: Record<string, string>) {
    const url = new URL('/.well-known/openid-configuration', idp.baseUrl);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      httpRequest(url, { headers }, (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve(JSON.parse(body)));
      })
        .on('error', reject)
        .end();
    });
  }

  it('builds the discovery document from ISSUER alone, not from Host or X-Forwarded-*', async () => {
    const cases: Record<string, string>[] = [
      { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
      { host: 'evil.example:8443' },
      { host: 'evil.example', 'x-forwarded-host': 'evil.example, idp.example.fr' },
    ];
    for (const headers of cases) {
      const discovery = await getDiscovery(oneProxy, headers);
      expect(discovery.issuer).toBe(oneProxy.config.issuer);
      const urls = Object.entries(discovery).filter(
        ([key]) => key.endsWith('_endpoint') || key === 'jwks_uri',
      );
      expect(urls.length).toBeGreaterThan(4);
      for (const [key, value] of urls)
        expect(String(value), `${key} with ${JSON.stringify(headers)}`).toMatch(
          new RegExp(`^${oneProxy.config.issuer}/`),
        );
    }
  });
});
