import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistryCsv, REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { importRegistry } from '../../src/domain/registry/import.js';
import { enqueueMessage, messageBox, purgeMessagingState } from '../../src/messaging/outbox.js';
import { HttpSmsTransport } from '../../src/messaging/transports.js';
import { HttpBrowser, textOf } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { TestRelyingParty } from '../helpers/relying-party.js';

/** A local stand-in for the SMS gateway: answers with the statuses queued, then `fallback`. */
class FakeGateway {
  readonly requests: { headers: IncomingHttpHeaders; body: string }[] = [];
  statuses: number[] = [];
  fallback = 503;
  /** While set, answers wait for it (a message stays in flight). */
  hold: Promise<void> | undefined;
  private server!: Server;
  url = '';

  async start() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', async () => {
        this.requests.push({ headers: req.headers, body });
        await this.hold;
        res
          .writeHead(this.statuses.shift() ?? this.fallback, { 'content-type': 'application/json' })
          .end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/sms`;
  }
  async stop() {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const REGISTRY = [
  REGISTRY_COLUMNS.join(';'),
  '0861234A;Collège Jean Moulin;C-E1;Durand;Léo;10/05/2012;5EME;C-R1;Durand;Sophie;06 12 34 56 78;',
  '0861234A;Collège Jean Moulin;C-E2;Roux;Jade;04/04/2012;5EME;C-R2;Roux;Nadia;06 55 44 33 01;',
  '0861234A;Collège Jean Moulin;C-E3;Petit;Nathan;02/07/2011;4EME;C-R3;Petit;Karim;07 12 34 56 02;',
].join('\n');

describe.each(DATABASE_KINDS)('SMS outbox over an HTTP gateway on %s', (kind) => {
  let idp: TestIdp;
  let rp: TestRelyingParty;
  const gateway = new FakeGateway();

  beforeAll(async () => {
    await gateway.start();
    idp = await startTestIdp(kind, {
      env: {
        SMS_TRANSPORT: 'http',
        SMS_HTTP_URL: gateway.url,
        SMS_HTTP_TOKEN: 'jeton-passerelle',
        OUTBOX_MAX_ATTEMPTS: '3',
        OUTBOX_RETRY_BASE_MS: '20',
        OUTBOX_POLL_MS: '50',
      },
    });
    await importRegistry(idp.database.db, parseRegistryCsv(REGISTRY).lines);
    rp = await TestRelyingParty.register(idp);
  });
  afterAll(async () => {
    await idp?.stop();
    await gateway.stop();
  });

  async function requestCode(nom: string, prenom: string, telephone: string) {
    const browser = new HttpBrowser();
    const { page: choice } = await rp.begin(browser);
    const uid = /\/interaction\/([^/]+)/.exec(choice.url)![1];
    const identity = await browser.get(`${idp.baseUrl}/interaction/${uid}/activation`);
    return {
      browser,
      page: await browser.submit(identity, '/activation/identite', { nom, prenom, telephone }),
    };
  }

  const message = (to: string) =>
    idp.database.db
      .selectFrom('outbox_messages')
      .selectAll()
      .where('recipient', '=', to)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();

  it('retries a failing gateway with backoff, then marks the message failed and shows it', async () => {
    gateway.fallback = 503;
    const { page } = await requestCode('Durand', 'Sophie', '06 12 34 56 78');
    // The page does not wait for the gateway.
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain('Un code de sécurité a été envoyé');

    const failed = await until(async () => {
      const row = await message('+33612345678');
      return row?.status === 'failed' ? row : undefined;
    }, 'the message to be marked failed');
    expect(failed.attempts).toBe(3);
    expect(failed.last_error).toContain('HTTP 503');
    expect(failed.body).toBeNull(); // given up: nothing left to read
    const calls = gateway.requests.filter((r) => r.body.includes('+33612345678'));
    expect(calls).toHaveLength(3);
    expect(calls[0]!.headers.authorization).toBe('Bearer jeton-passerelle');
    expect(calls[0]!.headers['content-type']).toBe('application/json');
    const sent = JSON.parse(calls[0]!.body) as { to: string; text: string };
    expect(sent).toEqual({
      to: '+33612345678',
      text: expect.stringMatching(/code de sécurité est [0-9]{6}/),
    });

    const listed = (await (await fetch(`${idp.baseUrl}/dev/outbox?to=%2B33612345678`)).json()) as Record<
      string,
      unknown
    >[];
    expect(listed[0]).toMatchObject({ channel: 'sms', to: '+33612345678', status: 'failed', attempts: 3 });
  });

  it('keeps a message through an outage and delivers it when the gateway is back', async () => {
    gateway.statuses = [500, 502];
    gateway.fallback = 200;
    const { browser, page } = await requestCode('Roux', 'Nadia', '0655443301');
    const sent = await until(async () => {
      const row = await message('+33655443301');
      return row?.status === 'sent' ? row : undefined;
    }, 'the message to be delivered');
    expect(sent.attempts).toBe(3);
    expect(sent.sent_at).toBeTruthy();
    const delivered = gateway.requests.filter((r) => r.body.includes('+33655443301'));
    expect(delivered).toHaveLength(3);
    // The code delivered by the gateway is the one the flow accepts.
    const code = /([0-9]{6})/.exec((JSON.parse(delivered[2]!.body) as { text: string }).text)![1]!;
    const next = await browser.submit(page, '/activation/code', { code });
    expect(textOf(next.html)).toContain('Je choisis mon nouveau mot de passe');
  });

  it('keeps the code only sealed while the SMS is pending, and erases the text once sent', async () => {
    let release!: () => void;
    gateway.hold = new Promise((resolve) => {
      release = resolve;
    });
    gateway.fallback = 200;
    try {
      const { browser, page } = await requestCode('Petit', 'Karim', '07 12 34 56 02');
      const inFlight = await until(
        async () => gateway.requests.find((r) => r.body.includes('+33712345602')),
        'the SMS to reach the gateway',
      );
      const code = /([0-9]{6})/.exec((JSON.parse(inFlight.body) as { text: string }).text)![1]!;
      // While the gateway has not answered, the message is pending: its body is sealed, no code in it.
      const pending = await message('+33712345602');
      expect(pending?.status).toBe('pending');
      expect(pending!.body).toMatch(/^v1\./);
      expect(JSON.stringify(pending)).not.toContain(code);
      expect(pending!.body).not.toContain('code de sécurité');
      release();
      const sent = await until(async () => {
        const row = await message('+33712345602');
        return row?.status === 'sent' ? row : undefined;
      }, 'the message to be delivered');
      expect(sent.body).toBeNull();
      const everything = await idp.database.db.selectFrom('outbox_messages').selectAll().execute();
      expect(JSON.stringify(everything)).not.toContain(code);
      expect(JSON.stringify(everything)).not.toMatch(/code de sécurité est [0-9]{6}/);
      // The code still works: it is only in the SMS.
      const next = await browser.submit(page, '/activation/code', { code });
      expect(textOf(next.html)).toContain('Je choisis mon nouveau mot de passe');
    } finally {
      release();
      gateway.hold = undefined;
    }
  });

  it('sends the message id as Idempotency-Key, the same when a crash makes it send twice', async () => {
    gateway.fallback = 200;
    const db = idp.database.db;
    const box = messageBox(idp.config.secretKey);
    // A dispatcher claimed the message (1 s lease), sent it, and crashed before recording it as sent.
    const id = await db.transaction().execute(async (trx) => {
      const queued = await enqueueMessage(trx, box, {
        channel: 'sms',
        to: '+33600000077',
        body: 'ÉduConnect : message de test',
      });
      await trx
        .updateTable('outbox_messages')
        .set({ attempts: 1, next_attempt_at: new Date(Date.now() + 1000) })
        .where('id', '=', queued)
        .execute();
      return queued;
    });
    await new HttpSmsTransport(gateway.url, 'jeton-passerelle').send({
      id,
      channel: 'sms',
      to: '+33600000077',
      body: 'ÉduConnect : message de test',
    });
    // Once the lease is over, the running dispatcher delivers it again: at least once.
    const sent = await until(async () => {
      const row = await message('+33600000077');
      return row?.status === 'sent' ? row : undefined;
    }, 'the message to be delivered again');
    expect(sent.attempts).toBe(2);
    const calls = gateway.requests.filter((r) => r.body.includes('+33600000077'));
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => c.headers['idempotency-key'])).toEqual([id, id]);
    // Each message has its own key, kept across the retries of the outage test above.
    const keys = new Set(
      gateway.requests
        .filter((r) => r.body.includes('+33655443301'))
        .map((r) => r.headers['idempotency-key']),
    );
    expect(keys.size).toBe(1);
    expect([...keys][0]).not.toBe(id);
    expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes a message only with the transaction that causes it', async () => {
    await expect(
      idp.database.db.transaction().execute(async (trx) => {
        await enqueueMessage(trx, messageBox(idp.config.secretKey), {
          channel: 'sms',
          to: '+33699999999',
          body: 'jamais envoyé',
        });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await message('+33699999999')).toBeUndefined();
    expect(gateway.requests.some((r) => r.body.includes('+33699999999'))).toBe(false);
  });

  it('purges old delivered messages, past counters and long-expired flows, and keeps the rest', async () => {
    const db = idp.database.db;
    const old = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    await db
      .insertInto('outbox_messages')
      .values([
        { channel: 'sms', recipient: '+33600000001', body: 'ancien', status: 'sent', created_at: old },
        {
          channel: 'sms',
          recipient: '+33600000002',
          body: 'ancien échec',
          status: 'failed',
          created_at: old,
        },
      ])
      .execute();
    await db
      .insertInto('sms_send_counters')
      .values({ phone_key: 'ancien', window_start: old, sends: 3 })
      .execute();
    await db
      .insertInto('registry_flows')
      .values({ type: 'activation', interaction_uid: 'ancienne', state: 'failed', expires_at: old })
      .execute();
    await purgeMessagingState(db);
    expect(await message('+33600000001')).toBeUndefined();
    expect(await message('+33600000002')).toBeTruthy();
    expect(
      await db
        .selectFrom('sms_send_counters')
        .select('phone_key')
        .where('phone_key', '=', 'ancien')
        .executeTakeFirst(),
    ).toBeUndefined();
    expect(
      await db
        .selectFrom('registry_flows')
        .select('id')
        .where('interaction_uid', '=', 'ancienne')
        .executeTakeFirst(),
    ).toBeUndefined();
    expect(await message('+33655443301')).toBeTruthy();
  });
});

describe('development routes in production', () => {
  let idp: TestIdp;
  beforeAll(async () => {
    idp = await startTestIdp('pglite', {
      env: {
        NODE_ENV: 'production',
        ALLOW_EMBEDDED_DB_IN_PRODUCTION: 'true',
        SMS_TRANSPORT: 'http',
        SMS_HTTP_URL: 'http://127.0.0.1:9/sms',
        EMAIL_TRANSPORT: 'smtp',
        SMTP_URL: 'smtp://127.0.0.1:9',
      },
    });
  });
  afterAll(async () => {
    await idp?.stop();
  });

  it('has no /dev/outbox', async () => {
    expect(idp.config.production).toBe(true);
    const response = await fetch(`${idp.baseUrl}/dev/outbox`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('createdAt');
  });
});
