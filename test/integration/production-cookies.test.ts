import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { addClient, clientSecretBox } from '../../src/oidc/clients.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';

const REDIRECT_URI = 'https://ent.example.fr/callback';

/**
 * In production every cookie is Secure, however the request reaches the server: over plain http from
 * a TLS proxy that is not trusted, with a proxy that says `X-Forwarded-Proto: http`, or on a loopback
 * issuer. A cookie without Secure would be sent in clear by the browser to any http:// URL of the host.
 */
describe.each(DATABASE_KINDS)('production cookies on %s', (kind) => {
  let idp: TestIdp | undefined;
  afterEach(async () => {
    await idp?.stop();
    idp = undefined;
  });

  async function production(env: Record<string, string>) {
    idp = await startTestIdp(kind, {
      env: {
        NODE_ENV: 'production',
        ALLOW_EMBEDDED_DB_IN_PRODUCTION: 'true',
        SMS_TRANSPORT: 'http',
        SMS_HTTP_URL: 'http://127.0.0.1:9/sms',
        EMAIL_TRANSPORT: 'smtp',
        SMTP_URL: 'smtp://127.0.0.1:9',
        // no load shedding on a busy test machine
        ADMISSION_MAX_IN_FLIGHT: '0',
        ADMISSION_MAX_EVENT_LOOP_DELAY_MS: '0',
        ...env,
      },
    });
    const client = await addClient(
      idp.database.db,
      { name: 'ENT', redirectUris: [REDIRECT_URI], firstParty: true },
      false,
      clientSecretBox(idp.config.secretKey),
    );
    return { idp, clientId: client.client_id };
  }

  /** The cookies set from the authorization request to the first page (provider's and ours). */
  async function cookiesOfFirstPages(target: TestIdp, clientId: string, headers: Record<string, string>) {
    const params = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      state: randomBytes(16).toString('base64url'),
      code_challenge: createHash('sha256').update(randomBytes(32)).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const authorize = await fetch(`${target.baseUrl}/auth?${params}`, { headers, redirect: 'manual' });
    expect(authorize.status).toBe(303);
    const location = new URL(authorize.headers.get('location')!, target.baseUrl);
    // the interaction page, reached on the server itself whatever host ISSUER names
    const cookies = authorize.headers.getSetCookie();
    const page = await fetch(`${target.baseUrl}${location.pathname}`, {
      headers: { ...headers, cookie: cookies.map((c) => c.split(';')[0]).join('; ') },
      redirect: 'manual',
    });
    expect(page.status).toBe(200);
    await page.arrayBuffer();
    const all = [...cookies, ...page.headers.getSetCookie()];
    expect(all.map((c) => c.split('=')[0])).toEqual(expect.arrayContaining(['ec_interaction', 'ec_csrf']));
    return all;
  }

  const insecure = (cookies: string[]) => cookies.filter((c) => !/;\s*secure(;|$)/i.test(c));

  it('are Secure over plain http when ISSUER is https and the proxy is not trusted', async () => {
    const { idp: target, clientId } = await production({ ISSUER: 'https://educonnect.example.fr' });
    expect(insecure(await cookiesOfFirstPages(target, clientId, {}))).toEqual([]);
  });

  it('are Secure when a trusted proxy says X-Forwarded-Proto: http', async () => {
    const { idp: target, clientId } = await production({
      ISSUER: 'https://educonnect.example.fr',
      TRUST_PROXY: 'true',
    });
    const cookies = await cookiesOfFirstPages(target, clientId, { 'x-forwarded-proto': 'http' });
    expect(insecure(cookies)).toEqual([]);
  });

  it('are Secure on a loopback http issuer in production', async () => {
    const { idp: target, clientId } = await production({});
    expect(target.config.issuer).toMatch(/^http:\/\/127\.0\.0\.1:/);
    expect(insecure(await cookiesOfFirstPages(target, clientId, {}))).toEqual([]);
  });
});
