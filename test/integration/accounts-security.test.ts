import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashSync } from '@node-rs/argon2';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLoginCandidate } from '../../src/domain/accounts/accounts.js';
import { recordSuccessfulLogin } from '../../src/domain/accounts/login-record.js';
import { recordFailure, type ThrottlePolicy } from '../../src/domain/accounts/throttle.js';
import { HttpBrowser, textOf } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { isCallback, loginWithPassword, TestRelyingParty } from '../helpers/relying-party.js';

const PASSWORD = 'Compas-Rouge-31';

describe.each(DATABASE_KINDS)('account security on %s', (kind) => {
  let idp: TestIdp;

  beforeAll(async () => {
    // Behind a proxy: the client address comes from X-Forwarded-For, as in production.
    idp = await startTestIdp(kind, { env: { TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await idp?.stop();
  });

  async function insertAccount(identifier: string, passwordHash: string) {
    return idp.database.db
      .insertInto('accounts')
      .values({
        identifier,
        profile: 'responsable_legal',
        given_name: 'Anne',
        family_name: 'Test',
        password_hash: passwordHash,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  it('rehashes a password stored with weaker argon2id parameters at the next login', async () => {
    const weak = hashSync(PASSWORD, { algorithm: 2, memoryCost: 4096, timeCost: 1, parallelism: 1 });
    const account = await insertAccount('a.rehash10', weak);
    const rp = await TestRelyingParty.register(idp);
    const browser = new HttpBrowser();
    const { page } = await rp.begin(browser);
    const callback = await loginWithPassword(
      browser,
      page,
      'responsable_legal',
      account.identifier,
      PASSWORD,
    );
    expect(isCallback(callback.url)).toBe(true);
    const stored = await idp.database.db
      .selectFrom('accounts')
      .select('password_hash')
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored.password_hash).not.toBe(weak);
  });

  it('sends a signed back-channel logout token to the service when the user logs out', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const account = await insertAccount(
        'a.backchannel11',
        hashSync(PASSWORD, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 }),
      );
      const rp = await TestRelyingParty.register(idp, {
        backchannelLogoutUri: `http://127.0.0.1:${port}/backchannel`,
      });
      const browser = new HttpBrowser();
      const { request, page } = await rp.begin(browser);
      const callback = await loginWithPassword(
        browser,
        page,
        'responsable_legal',
        account.identifier,
        PASSWORD,
      );
      const tokens = await rp.exchange(callback.url, request);
      const confirm = await browser.get(
        oidc.buildEndSessionUrl(rp.configuration, { id_token_hint: tokens.id_token! }).toString(),
      );
      const done = await browser.submit(confirm, '/session/end/confirm', { logout: 'yes' });
      expect(textOf(done.html)).toContain('Vous êtes déconnecté');
      expect(received).toHaveLength(1);
      const { payload } = await jwtVerify(received[0]!, createRemoteJWKSet(new URL(`${idp.baseUrl}/jwks`)), {
        issuer: idp.baseUrl,
        audience: rp.client.client_id,
      });
      expect(payload.sub).toBe(tokens.claims()!.sub);
      expect(payload.events).toHaveProperty(['http://schemas.openid.net/event/backchannel-logout']);
    } finally {
      server.close();
    }
  });

  it('keeps throttling counters in the database: blocks past the free failures, resets on success', async () => {
    const { db } = idp.database;
    const policy: ThrottlePolicy = {
      freeFailures: 3,
      baseDelaySeconds: 60,
      maxDelaySeconds: 600,
      windowSeconds: 3600,
    };
    const key = 'test:throttle-a';
    // What the login POST reads: the throttle state of its keys (here with no such account).
    const wait = async (keys: string[]) =>
      (await loadLoginCandidate(db, 'x.personne00', keys)).retryAfterSeconds;
    for (let i = 0; i < 2; i++) await recordFailure(db, key, policy);
    expect(await wait([key])).toBe(0);
    await recordFailure(db, key, policy);
    const blocked = await wait([key, 'test:other']);
    expect(blocked).toBeGreaterThan(30);
    expect(blocked).toBeLessThanOrEqual(60);
    await recordFailure(db, key, policy);
    expect(await wait([key])).toBeGreaterThan(60); // the wait doubles
    await recordSuccessfulLogin(db, {
      accountId: randomUUID(),
      throttleKey: key,
      clientId: null,
      ip: null,
      detail: {},
    });
    expect(await wait([key])).toBe(0);
  });

  it('blocks a client address after many failures across different identifiers', async () => {
    const rp = await TestRelyingParty.register(idp);
    const browser = new HttpBrowser('203.0.113.50');
    const { page } = await rp.begin(browser);
    const { db } = idp.database;
    // 100 failures from one address, each on a different identifier (no per-account block).
    const ipRow = async () =>
      db.selectFrom('login_throttle').selectAll().where('key', 'like', 'ip:%').execute();
    const first = await loginWithPassword(
      browser,
      page,
      'responsable_legal',
      'x.inconnu0',
      'Faux-Mot-2-Passe',
    );
    expect(first.status).toBe(401);
    const [row] = await ipRow();
    await db.updateTable('login_throttle').set({ failures: 99 }).where('key', '=', row!.key).execute();
    const hundredth = await loginWithPassword(
      browser,
      page,
      'responsable_legal',
      'x.inconnu1',
      'Faux-Mot-2-Passe',
    );
    expect(hundredth.status).toBe(401);
    const blocked = await loginWithPassword(
      browser,
      page,
      'responsable_legal',
      'x.inconnu2',
      'Faux-Mot-2-Passe',
    );
    expect(blocked.status).toBe(429);
    // Another address is not affected.
    const elsewhere = new HttpBrowser('203.0.113.51');
    const { page: page2 } = await rp.begin(elsewhere);
    expect(
      (await loginWithPassword(elsewhere, page2, 'responsable_legal', 'x.inconnu3', 'Faux-Mot-2-Passe'))
        .status,
    ).toBe(401);
  });
});
