import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endAccountSessions, revokeClientAccess } from '../../src/oidc/account-sessions.js';
import { HttpBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { isCallback, loginWithPassword, TestRelyingParty } from '../helpers/relying-party.js';

const PASSWORD = 'Cartable#2026';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

describe.each(DATABASE_KINDS)('ending the sessions of an account on %s', (kind) => {
  let idp: TestIdp;
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
    idp = await startTestIdp(kind);
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
        password_hash: await idp.idp.services.hasher.hash(PASSWORD),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    accountId = account.id;
  });
  afterAll(async () => {
    await idp?.stop();
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
      : await loginWithPassword(browser, page, 'responsable_legal', 's.session12', PASSWORD);
    const tokens = await party.exchange(callback.url, request);
    expect(tokens.refresh_token).toBeTruthy();
    return { browser, tokens };
  }

  const sessionUids = async () => {
    const rows = await idp.database.db
      .selectFrom('oidc_payloads')
      .select('payload')
      .where('kind', '=', 'Session')
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
    await expect(oidc.refreshTokenGrant(rp.configuration, first.tokens.refresh_token!)).rejects.toMatchObject(
      {
        error: 'invalid_grant',
      },
    );
    const refreshed = await oidc.refreshTokenGrant(other.configuration, second.tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
    // nothing left to withdraw
    expect(await revokeClientAccess(idp.idp.services, accountId, rp.client.client_id)).toBe(false);
  });
});
