import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hiddenField, VirtualBrowser } from '../../bench/lib/browser.js';
import { BENCH_PASSWORD, loginFlow, REDIRECT_URI } from '../../bench/lib/flows.js';
import { Recorder } from '../../bench/lib/stats.js';
import { OVERLOAD_MESSAGE } from '../../src/http/errors.js';
import { addClient, clientSecretBox } from '../../src/oidc/clients.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';

const CONCURRENT_LOGINS = 12;

describe.each(DATABASE_KINDS)('load shedding of login POSTs on %s', (kind) => {
  let idp: TestIdp;
  let client: { clientId: string; clientSecret: string };
  const browsers: VirtualBrowser[] = [];

  beforeAll(async () => {
    // one hashing thread and room for one waiting login: a burst must overflow
    idp = await startTestIdp(kind, { env: { HASH_WORKERS: '1', HASH_QUEUE_LIMIT: '1' } });
    const registered = await addClient(
      idp.database.db,
      { name: 'ENT de charge', redirectUris: [REDIRECT_URI], firstParty: true },
      false,
      clientSecretBox(idp.config.secretKey),
    );
    client = { clientId: registered.client_id, clientSecret: registered.client_secret };
    const hash = await idp.idp.services.hasher.hash(BENCH_PASSWORD);
    await idp.database.db
      .insertInto('accounts')
      .values(
        Array.from({ length: CONCURRENT_LOGINS }, (_, i) => ({
          profile: 'responsable_legal' as const,
          identifier: `b.bench${i + 1}`,
          given_name: 'Bench',
          family_name: `Parent${i + 1}`,
          password_hash: hash,
        })),
      )
      .execute();
  });
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await idp?.stop();
  });

  it('answers 503 with Retry-After and the French page beyond the queue, and admitted logins finish', async () => {
    // every parent opens the login form first...
    const forms = await Promise.all(
      Array.from({ length: CONCURRENT_LOGINS }, async (_, i) => {
        const browser = new VirtualBrowser(idp.baseUrl);
        browsers.push(browser);
        const params = new URLSearchParams({
          client_id: client.clientId,
          response_type: 'code',
          redirect_uri: REDIRECT_URI,
          scope: 'openid profile',
          state: `state-${i}-${'x'.repeat(32)}`,
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        });
        const authorize = await browser.request('GET', `/auth?${params}`);
        const uid = authorize.location!;
        const form = await browser.request('GET', `${uid}/login/responsable_legal`);
        return { browser, uid, csrf: hiddenField(form.body, '_csrf')!, identifier: `b.bench${i + 1}` };
      }),
    );
    // ...then they all submit at once
    const posts = await Promise.all(
      forms.map(({ browser, uid, csrf, identifier }) =>
        browser.request('POST', `${uid}/login`, {
          form: { _csrf: csrf, profile: 'responsable_legal', identifier, password: BENCH_PASSWORD },
        }),
      ),
    );
    const shed = posts.filter((p) => p.status === 503);
    const admitted = posts
      .map((p, i) => ({ post: p, form: forms[i]! }))
      .filter(({ post }) => post.status === 303);
    expect(shed.length + admitted.length).toBe(CONCURRENT_LOGINS);
    expect(shed.length).toBeGreaterThan(0);
    expect(admitted.length).toBeGreaterThan(0);
    for (const response of shed) {
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      expect(response.body).toContain(OVERLOAD_MESSAGE);
      expect(OVERLOAD_MESSAGE).toBe('Le service est très demandé, réessayez dans quelques instants.');
    }
    // every admitted login reaches the service with an authorization code
    for (const { post, form } of admitted) {
      const resumed = await form.browser.request('GET', post.location!);
      expect(resumed.location?.startsWith(`${REDIRECT_URI}?code=`)).toBe(true);
    }
  });

  it('lets a shed parent retry and log in once the burst is over', async () => {
    const browser = new VirtualBrowser(idp.baseUrl);
    browsers.push(browser);
    const tokens = await loginFlow(browser, client, 'b.bench1', new Recorder());
    expect(tokens.access_token).toBeTruthy();
  });
});
