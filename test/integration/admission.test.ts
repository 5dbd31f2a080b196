import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hiddenField, VirtualBrowser } from '../../bench/lib/browser.js';
import { authorizeRequest, BENCH_PASSWORD, completeFlow, REDIRECT_URI } from '../../bench/lib/flows.js';
import { Recorder } from '../../bench/lib/stats.js';
import { OVERLOAD_MESSAGE } from '../../src/http/errors.js';
import { addClient, clientSecretBox } from '../../src/oidc/clients.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';

describe.each(DATABASE_KINDS)('admission control at the entrance of flows on %s', (kind) => {
  let idp: TestIdp;
  let client: { clientId: string; clientSecret: string };
  const browsers: VirtualBrowser[] = [];
  const browser = () => {
    const b = new VirtualBrowser(idp.baseUrl);
    browsers.push(b);
    return b;
  };
  const expectOverloadPage = (response: {
    status: number;
    headers: Record<string, unknown>;
    body: string;
  }) => {
    expect(response.status).toBe(503);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(response.body).toContain(OVERLOAD_MESSAGE);
  };

  beforeAll(async () => {
    idp = await startTestIdp(kind);
    const registered = await addClient(
      idp.database.db,
      { name: 'ENT admission', redirectUris: [REDIRECT_URI], firstParty: true },
      false,
      clientSecretBox(idp.config.secretKey),
    );
    client = { clientId: registered.client_id, clientSecret: registered.client_secret };
    await idp.database.db
      .insertInto('accounts')
      .values({
        profile: 'responsable_legal',
        identifier: 'b.admis1',
        given_name: 'Admis',
        family_name: 'Parent',
        password_hash: await idp.idp.services.hasher.hash(BENCH_PASSWORD),
      })
      .execute();
  });
  afterAll(async () => {
    idp?.idp.admission.force(undefined);
    await Promise.all(browsers.map((b) => b.close()));
    await idp?.stop();
  });

  it('refuses new flows with the French 503 page while overloaded, and an admitted flow completes', async () => {
    // a parent admitted before the overload, on the login form
    const admitted = browser();
    const recorder = new Recorder();
    const { interactionUrl, verifier } = await authorizeRequest(admitted, client, recorder);
    const form = await admitted.request('GET', `${interactionUrl}/login/responsable_legal`);
    expect(form.status).toBe(200);

    idp.idp.admission.force(true);
    const refusedBefore = idp.idp.admission.refused;

    // new authorization requests are refused, GET and POST
    const newcomer = browser();
    await expect(authorizeRequest(newcomer, client, new Recorder())).rejects.toMatchObject({
      name: 'ShedError',
      step: 'authorize',
    });
    const direct = await newcomer.request('GET', `/auth?client_id=${client.clientId}&response_type=code`);
    expectOverloadPage(direct);
    expectOverloadPage(await newcomer.request('POST', '/auth', { form: { client_id: client.clientId } }));
    // the entrance of an activation is a new flow too
    expectOverloadPage(await admitted.request('GET', `${interactionUrl}/activation`));

    // pages of the admitted interaction, health and metadata still answer
    expect((await admitted.request('GET', interactionUrl)).status).toBe(200);
    expect((await newcomer.request('GET', '/healthz')).status).toBe(200);
    expect((await newcomer.request('GET', '/.well-known/openid-configuration')).status).toBe(200);

    // the admitted parent logs in: login POST, resume /auth/:uid, /token and /me go through
    const posted = await admitted.request('POST', `${interactionUrl}/login`, {
      form: {
        _csrf: hiddenField(form.body, '_csrf') ?? '',
        profile: 'responsable_legal',
        identifier: 'b.admis1',
        password: BENCH_PASSWORD,
      },
    });
    expect(posted.status).toBe(303);
    const tokens = await completeFlow(admitted, client, posted.location!, verifier, recorder);
    expect(tokens.access_token).toBeTruthy();
    expect(recorder.steps.get('resume')?.length).toBeGreaterThan(0);
    expect(recorder.steps.get('token')?.length).toBe(1);
    expect(recorder.steps.get('userinfo')?.length).toBe(1);
    expect(idp.idp.admission.refused - refusedBefore).toBe(4);

    // once the overload is over, new flows are admitted again
    idp.idp.admission.force(false);
    const later = await authorizeRequest(newcomer, client, new Recorder());
    expect(later.interactionUrl).toMatch(/^\/interaction\//);
  });

  it('refuses new flows while the hash queue is full, whatever the event-loop delay', async () => {
    idp.idp.admission.force(undefined);
    const hasher = idp.idp.services.hasher;
    // an own getter shadows the pool's: the queue looks full without queueing real hashes
    Object.defineProperty(hasher, 'saturated', { configurable: true, get: () => true });
    try {
      expect(idp.idp.admission.overloaded).toBe(true);
      expectOverloadPage(
        await browser().request('GET', `/auth?client_id=${client.clientId}&response_type=code`),
      );
    } finally {
      delete (hasher as unknown as Record<string, unknown>).saturated;
    }
    expect(idp.idp.admission.overloaded).toBe(false);
  });
});
