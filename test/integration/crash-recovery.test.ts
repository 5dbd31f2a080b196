import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistryCsv, REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { importRegistry } from '../../src/domain/registry/import.js';
import { addClient, clientSecretBox, type RegisteredClient } from '../../src/oidc/clients.js';
import { HttpBrowser, type Page, textOf } from '../helpers/browser.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';
import { TEST_JWKS } from '../helpers/paths.js';
import { freePort } from '../helpers/private-postgres.js';
import { RP_REDIRECT, TestRelyingParty } from '../helpers/relying-party.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

/**
 * kill -9 of the server in the middle of an activation's last step (the POST that creates the
 * account in one transaction): after a restart there is one account or none, never half of one, the
 * parent can submit the step again, and the SMS still waiting in the outbox is delivered exactly once.
 */
const PASSWORD = 'Trousse-Verte-42';
const MOBILE = '+33612345678';
const REGISTRY = [
  REGISTRY_COLUMNS.join(';'),
  '0861234A;Collège Jean Moulin;C-E1;Durand;Léo;10/05/2012;5EME;C-R1;Durand;Sophie;06 12 34 56 78;',
].join('\n');
/** Seconds the test's trigger holds the transaction open once the account row is written. */
const HOLD_SECONDS = 4;

/** The SMS gateway: refuses (503) until `healthy`, then accepts; records every request. */
class Gateway {
  readonly requests: { to: string; status: number }[] = [];
  healthy = false;
  url = '';
  private server!: Server;

  async start() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const status = this.healthy ? 200 : 503;
        this.requests.push({ to: (JSON.parse(body) as { to: string }).to, status });
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/sms`;
  }

  delivered(to: string) {
    return this.requests.filter((r) => r.to === to && r.status === 200).length;
  }

  async stop() {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 30_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each(DATABASE_KINDS)('kill -9 during the last step of an activation on %s', (kind) => {
  let database: TestDatabase;
  let client: RegisteredClient;
  const gateway = new Gateway();
  const secrets = {
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    SECRET_KEY: randomBytes(32).toString('base64url'),
  };
  let port: number;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    await gateway.start();
    database = await createTestDatabase(kind);
    const { db } = database;
    await importRegistry(db, parseRegistryCsv(REGISTRY).lines);
    client = await addClient(
      db,
      { name: 'ENT', redirectUris: [RP_REDIRECT], firstParty: true },
      false,
      clientSecretBox(secrets.SECRET_KEY),
    );
    // Test instrument: the transaction stays open for a while once the account row is written.
    await sql`
      create function test_hold_activation() returns trigger language plpgsql as $$
      begin perform pg_sleep(${sql.lit(HOLD_SECONDS)}); return null; end $$`.execute(db);
    await sql`
      create trigger test_hold_activation after insert on account_pupils
      for each statement execute function test_hold_activation()`.execute(db);
    if (kind === 'pglite') await database.release(); // the server process opens it
    port = await freePort();
  });
  afterAll(async () => {
    await server?.kill();
    await gateway.stop();
    await database?.destroy();
  });

  function start() {
    return startServerProcess(
      {
        NODE_ENV: 'test',
        ISSUER: `http://127.0.0.1:${port}`,
        DATA_DIR: database.dataDir,
        ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
        JWKS_FILE: TEST_JWKS,
        DEMO_DATA: 'false',
        HASH_WORKERS: '1',
        SMS_TRANSPORT: 'http',
        SMS_HTTP_URL: gateway.url,
        // a failed delivery is retried only in 10 minutes: the message waits in the outbox
        OUTBOX_RETRY_BASE_MS: '600000',
        OUTBOX_POLL_MS: '100',
        ...secrets,
      },
      { port },
    );
  }

  /** The database as the test sees it; for PGlite only while no server process holds it. */
  const db = async () => (kind === 'pglite' ? database.reopen() : database.db);

  async function state() {
    const handle = await db();
    const accounts = await handle
      .selectFrom('accounts')
      .select(['id', 'identifier'])
      .where('family_name', '=', 'Durand')
      .execute();
    const bindings = await handle.selectFrom('account_pupils').selectAll().execute();
    const representative = await handle
      .selectFrom('representatives')
      .select('account_id')
      .where('registry_id', '=', 'C-R1')
      .executeTakeFirstOrThrow();
    const flow = await handle
      .selectFrom('registry_flows')
      .select(['state', 'account_id'])
      .where('type', '=', 'activation')
      .executeTakeFirstOrThrow();
    const message = await handle
      .selectFrom('outbox_messages')
      .select(['status', 'attempts'])
      .where('recipient', '=', MOBILE)
      .executeTakeFirstOrThrow();
    return { accounts, bindings, representative, flow, message };
  }

  /** Either no account and nothing of it, or the whole account: its pupil, its registry link, its flow. */
  function expectAllOrNothing(seen: Awaited<ReturnType<typeof state>>) {
    if (seen.accounts.length === 0) {
      expect(seen.bindings).toEqual([]);
      expect(seen.representative.account_id).toBeNull();
      expect(seen.flow).toEqual({ state: 'password_chosen', account_id: null });
    } else {
      expect(seen.accounts).toHaveLength(1);
      const [account] = seen.accounts;
      expect(seen.bindings).toEqual([expect.objectContaining({ account_id: account!.id })]);
      expect(seen.representative.account_id).toBe(account!.id);
      expect(seen.flow).toEqual({ state: 'completed', account_id: account!.id });
    }
  }

  /** Steps 1 to 3 of the activation; returns the pupils page (the last step's form) and its answers. */
  async function upToLastStep(browser: HttpBrowser, origin: string) {
    const rp = await TestRelyingParty.fromClient(origin, client);
    const { page: choice } = await rp.begin(browser);
    const uid = /\/interaction\/([^/?#]+)/.exec(choice.url)![1];
    const identity = await browser.get(`${origin}/interaction/${uid}/activation`);
    const codePage = await browser.submit(identity, '/activation/identite', {
      nom: 'Durand',
      prenom: 'Sophie',
      telephone: '06 12 34 56 78',
    });
    expect(textOf(codePage.html)).toContain('Un code de sécurité a été envoyé');
    // the gateway is down: the parent reads the code elsewhere (here /dev/outbox)
    const outbox = (await (await fetch(`${origin}/dev/outbox?to=${encodeURIComponent(MOBILE)}`)).json()) as {
      body: string;
    }[];
    const code = /\b([0-9]{6})\b/.exec(outbox[0]!.body)![1]!;
    const passwordPage = await browser.submit(codePage, '/activation/code', { code });
    const pupilsPage = await browser.submit(passwordPage, '/activation/mot-de-passe', {
      password: PASSWORD,
      confirmation: PASSWORD,
    });
    expect(textOf(pupilsPage.html)).toContain('Je confirme mon lien avec les élèves');
    const pupil = /name="lien_([^"]+)"/.exec(pupilsPage.html)![1]!;
    const answers = {
      [`lien_${pupil}`]: 'oui',
      [`naissance-${pupil}_jour`]: '10',
      [`naissance-${pupil}_mois`]: '05',
      [`naissance-${pupil}_annee`]: '2012',
    };
    return { pupilsPage, answers };
  }

  it('leaves one account or none, and the SMS waiting in the outbox is sent once after the restart', async () => {
    server = await start();
    const browser = new HttpBrowser();
    const { pupilsPage, answers } = await upToLastStep(browser, server.origin);
    // the SMS could not be delivered: it waits in the outbox for its next attempt
    await until('the first delivery attempt', async () => (gateway.requests.length > 0 ? true : undefined));
    expect(gateway.delivered(MOBILE)).toBe(0);

    // the last step; the server dies while its transaction is open
    const lastStep: Promise<Page | Error> = browser
      .submit(pupilsPage, '/activation/eleves', answers)
      .catch((error: Error) => error);
    if (kind === 'postgres') {
      // deterministic: wait until the transaction sits in the test's trigger, the account row written
      await until('the activation transaction to be open', async () => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event = 'PgSleep'`.execute(database.db);
        return rows[0]!.n > 0 ? true : undefined;
      });
    } else {
      // PGlite runs inside the server process: give the request time to reach the trigger
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
    await server.kill();
    expect(server.exited()?.signal).toBe('SIGKILL');
    expect(await lastStep).toBeInstanceOf(Error);

    // PostgreSQL ends the dead client's transaction once it reads from the closed connection
    if (kind === 'postgres')
      await until(
        'the dead transaction to end',
        async () => {
          const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`.execute(
            database.db,
          );
          return rows[0]!.n === 0 ? true : undefined;
        },
        (HOLD_SECONDS + 10) * 1000,
      );
    const afterCrash = await state();
    expectAllOrNothing(afterCrash);
    if (kind === 'postgres') expect(afterCrash.accounts).toEqual([]);
    expect(afterCrash.message).toEqual({ status: 'pending', attempts: 1 });

    // the outage is over and the retry is due; the instrument is removed
    const handle = await db();
    await sql`drop trigger test_hold_activation on account_pupils`.execute(handle);
    await handle
      .updateTable('outbox_messages')
      .set({ next_attempt_at: sql`now()` })
      .where('recipient', '=', MOBILE)
      .execute();
    if (kind === 'pglite') await database.release();
    gateway.healthy = true;

    server = await start();
    await until('the SMS to be delivered after the restart', async () =>
      gateway.delivered(MOBILE) > 0 ? true : undefined,
    );
    // the parent submits the last step again (Back, then Confirmer)
    // (had the first submission committed, the flow would send it to the same success page)
    const done = await browser.submit(pupilsPage, '/activation/eleves', answers);
    expect(textOf(done.html)).toContain('Votre compte a été activé avec succès');
    // a few more dispatcher rounds: still one delivery
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await server.stop();
    server = undefined;

    const final = await state();
    expect(final.accounts).toHaveLength(1);
    expectAllOrNothing(final);
    expect(final.message.status).toBe('sent');
    expect(gateway.delivered(MOBILE)).toBe(1);
    expect(gateway.requests.filter((r) => r.to === MOBILE)).toHaveLength(2); // one refused, one sent
  }, 180_000);
});
