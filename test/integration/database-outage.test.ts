import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hiddenField, type Response, VirtualBrowser } from '../../bench/lib/browser.js';
import { BENCH_PASSWORD, REDIRECT_URI } from '../../bench/lib/flows.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { PasswordHasher } from '../../src/domain/accounts/password-hasher.js';
import { UNAVAILABLE_TITLE } from '../../src/http/errors.js';
import { addClient, clientSecretBox } from '../../src/oidc/clients.js';
import { TEST_JWKS } from '../helpers/paths.js';
import { freePort, PrivatePostgres, postgresBinaries } from '../helpers/private-postgres.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

/**
 * Fault injection: the real server process on a PostgreSQL cluster of this test alone, under a small
 * login load, while that PostgreSQL server is stopped for a few seconds and started again. The
 * server must stay up, answer the French 503 page with Retry-After (never a 500) while the database
 * is away, flip /readyz, and serve logins again soon after the database is back, without a restart.
 */
const bin = postgresBinaries();
if (!bin)
  console.warn('database-outage.test.ts skipped: no PostgreSQL server binaries (initdb) on this machine');

const ACCOUNTS = 4;
const OUTAGE_MS = 3_000;
/** One key for every server of the suite: the client's secret is sealed with it. */
const SECRET_KEY = randomBytes(32).toString('base64url');
const identifier = (i: number) => `p.panne${i}`;

interface Step {
  step: string;
  status: number;
  retryAfter: string | undefined;
  body: string;
  at: number;
}

/** What a parent's browser saw: every response of every login flow, and the flows that succeeded. */
class LoginLoad {
  readonly steps: Step[] = [];
  readonly successes: number[] = [];
  readonly transportErrors: string[] = [];
  private stopped = false;
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly origin: string,
    private readonly client: { clientId: string; clientSecret: string },
  ) {}

  start(vus: number) {
    for (let vu = 0; vu < vus; vu++) this.loops.push(this.loop(vu));
  }

  async stop() {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  successesSince(time: number) {
    return this.successes.filter((t) => t >= time).length;
  }

  private record(step: string, response: Response) {
    const retryAfter = response.headers['retry-after'];
    this.steps.push({
      step,
      status: response.status,
      retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
      body: response.body.slice(0, 4000),
      at: Date.now(),
    });
    return response;
  }

  private async loop(vu: number) {
    const browser = new VirtualBrowser(this.origin);
    try {
      while (!this.stopped) {
        try {
          if (await this.flow(browser, identifier(1 + (vu % ACCOUNTS)))) this.successes.push(Date.now());
        } catch (error) {
          this.transportErrors.push((error as Error).message);
        }
        // a person waits a little before trying again
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await browser.close();
    }
  }

  /** One login flow up to the tokens and userinfo; false at the first unexpected answer. */
  private async flow(browser: VirtualBrowser, login: string): Promise<boolean> {
    browser.jar.clear();
    const verifier = randomBytes(32).toString('base64url');
    const params = new URLSearchParams({
      client_id: this.client.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile',
      state: randomBytes(16).toString('base64url'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const authorize = this.record('authorize', await browser.request('GET', `/auth?${params}`));
    if (authorize.status !== 303 && authorize.status !== 302) return false;
    const uid = authorize.location!;
    const form = this.record('login form', await browser.request('GET', `${uid}/login/responsable_legal`));
    if (form.status !== 200) return false;
    const posted = this.record(
      'login POST',
      await browser.request('POST', `${uid}/login`, {
        form: {
          _csrf: hiddenField(form.body, '_csrf') ?? '',
          profile: 'responsable_legal',
          identifier: login,
          password: BENCH_PASSWORD,
        },
      }),
    );
    if (posted.status !== 303) return false;
    let location = posted.location!;
    for (let hop = 0; hop < 4 && !location.startsWith(REDIRECT_URI); hop++) {
      const resumed = this.record('resume', await browser.request('GET', location));
      if (resumed.status !== 303 && resumed.status !== 302) return false;
      location = resumed.location!;
    }
    const code = new URL(location).searchParams.get('code');
    if (!code) return false;
    const basic = Buffer.from(`${this.client.clientId}:${this.client.clientSecret}`).toString('base64');
    const token = this.record(
      'token',
      await browser.request('POST', '/token', {
        headers: { authorization: `Basic ${basic}`, accept: 'application/json' },
        form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
      }),
    );
    if (token.status !== 200) return false;
    const { access_token } = JSON.parse(token.body) as { access_token: string };
    const me = this.record(
      'userinfo',
      await browser.request('GET', '/me', { headers: { authorization: `Bearer ${access_token}` } }),
    );
    return me.status === 200;
  }
}

async function until(
  what: string,
  deadlineMs: number,
  server: ServerProcess,
  probe: () => Promise<boolean> | boolean,
) {
  const deadline = Date.now() + deadlineMs;
  while (!(await probe())) {
    const exit = server.exited();
    if (exit)
      throw new Error(`the server died (${JSON.stringify(exit)}) waiting for ${what}:\n${server.output()}`);
    if (Date.now() > deadline)
      throw new Error(`gave up waiting for ${what}:\n${server.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function readyStatus(origin: string): Promise<number> {
  try {
    const response = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

describe.skipIf(!bin)('a PostgreSQL restart under login load', () => {
  let cluster: PrivatePostgres;
  let client: { clientId: string; clientSecret: string };
  const dataDirs: string[] = [];
  let passwordHashes: string[] = [];

  beforeAll(async () => {
    cluster = await PrivatePostgres.create(bin!);
    await cluster.start();
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query('create database educonnect');
    await admin.end();
    const db: Db = await openDatabase({ databaseUrl: cluster.url('educonnect'), dataDir: tmpdir() });
    try {
      await migrateToLatest(db);
      const hasher = new PasswordHasher(1);
      const hash = await hasher.hash(BENCH_PASSWORD);
      await hasher.close();
      await db
        .insertInto('accounts')
        .values(
          Array.from({ length: ACCOUNTS }, (_, i) => ({
            profile: 'responsable_legal' as const,
            identifier: identifier(i + 1),
            given_name: 'Parent',
            family_name: `Panne${i + 1}`,
            password_hash: hash,
          })),
        )
        .execute();
      const registered = await addClient(
        db,
        { name: 'ENT de la panne', redirectUris: [REDIRECT_URI], firstParty: true },
        false,
        clientSecretBox(SECRET_KEY),
      );
      client = { clientId: registered.client_id, clientSecret: registered.client_secret };
      passwordHashes = (await db.selectFrom('accounts').select('password_hash').orderBy('id').execute()).map(
        (r) => r.password_hash ?? '',
      );
    } finally {
      await db.destroy();
    }
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  async function startServer(extraEnv: Record<string, string> = {}): Promise<ServerProcess> {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'educonnect-outage-'));
    dataDirs.push(dataDir);
    return startServerProcess(
      {
        NODE_ENV: 'test',
        ISSUER: `http://127.0.0.1:${port}`,
        DATABASE_URL: cluster.url('educonnect'),
        DATA_DIR: dataDir,
        JWKS_FILE: TEST_JWKS,
        COOKIE_KEYS: randomBytes(32).toString('base64url'),
        SECRET_KEY,
        DEMO_DATA: 'false',
        HASH_WORKERS: '1',
        ...extraEnv,
      },
      { port },
    );
  }

  /** Load, outage, return: what every variant must show. */
  async function outageUnderLoad(server: ServerProcess, stopMode: 'fast' | 'immediate', vus: number) {
    const load = new LoginLoad(server.origin, client);
    load.start(vus);
    try {
      await until('logins before the outage', 30_000, server, () => load.successes.length >= vus);

      const down = Date.now();
      await cluster.stop(stopMode);
      await until(
        '/readyz to answer 503',
        15_000,
        server,
        async () => (await readyStatus(server.origin)) === 503,
      );
      const elapsed = Date.now() - down;
      if (elapsed < OUTAGE_MS) await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS - elapsed));
      expect(server.exited(), server.output()).toBeNull();

      await cluster.start();
      const back = Date.now();
      await until(
        '/readyz to answer 200 again',
        30_000,
        server,
        async () => (await readyStatus(server.origin)) === 200,
      );
      // generous bound (no timing assertion): every parent logs in again without a server restart
      await until(
        'logins after the database came back',
        30_000,
        server,
        () => load.successesSince(back) >= vus,
      );
      return { load, down, back };
    } finally {
      await load.stop();
      await cluster.ensureRunning();
    }
  }

  function checkAnswers(load: LoginLoad, down: number, output: string) {
    const errors = load.steps.filter((s) => s.status >= 500 && s.status !== 503);
    expect(
      errors.map((s) => `${s.step} ${s.status} ${s.body.slice(0, 200)}`),
      output,
    ).toEqual([]);
    const unavailable = load.steps.filter((s) => s.status === 503);
    expect(unavailable.length, 'parents saw the 503 page while the database was away').toBeGreaterThan(0);
    for (const answer of unavailable) {
      expect(answer.at).toBeGreaterThanOrEqual(down);
      expect(Number(answer.retryAfter), `${answer.step} Retry-After: ${answer.body}`).toBeGreaterThan(0);
      if (answer.step === 'token' || answer.step === 'userinfo')
        expect(JSON.parse(answer.body)).toMatchObject({ error: expect.any(String) });
      else expect(answer.body).toContain(UNAVAILABLE_TITLE);
    }
    // every other answer is one a login flow expects
    const unexpected = load.steps.filter((s) => ![200, 302, 303, 503].includes(s.status));
    expect(unexpected.map((s) => `${s.step} ${s.status} ${s.body.slice(0, 300)}`)).toEqual([]);
    expect(load.transportErrors).toEqual([]);
  }

  async function checkNothingHalfWritten() {
    const db = await openDatabase({ databaseUrl: cluster.url('educonnect'), dataDir: tmpdir() });
    try {
      const accounts = await db.selectFrom('accounts').select('password_hash').orderBy('id').execute();
      expect(accounts.map((a) => a.password_hash)).toEqual(passwordHashes);
      // an outage is not a wrong password: no login failure was counted against anyone
      expect(await db.selectFrom('login_throttle').selectAll().execute()).toEqual([]);
    } finally {
      await db.destroy();
    }
  }

  it('one server process stays up, answers 503 pages, flips /readyz and serves logins again', async () => {
    const server = await startServer();
    try {
      const { load, down } = await outageUnderLoad(server, 'fast', 2);
      expect(server.exited(), server.output()).toBeNull();
      checkAnswers(load, down, server.output());
      await checkNothingHalfWritten();
    } finally {
      await server.stop();
    }
  }, 150_000);

  it('with WEB_CONCURRENCY=2 no worker dies when the database crashes and comes back', async () => {
    const server = await startServer({ WEB_CONCURRENCY: '2', LOG_LEVEL: 'info' });
    try {
      // The outage hits a cluster that has started: both server processes listen (one answering
      // /healthz is enough for startServer; a process still starting needs the database, by design).
      const deadline = Date.now() + 60_000;
      while (server.output().split('"msg":"identity provider ready"').length - 1 < 2) {
        if (Date.now() > deadline)
          throw new Error(`the second server process did not start:\n${server.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const { load, down } = await outageUnderLoad(server, 'immediate', 3);
      expect(server.exited(), server.output()).toBeNull();
      expect(server.output()).not.toContain('server process died');
      checkAnswers(load, down, server.output());
      await checkNothingHalfWritten();
    } finally {
      await server.stop();
    }
  }, 150_000);
});
