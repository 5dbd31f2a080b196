/**
 * `npm run bench`: capacity of one machine, measured. Starts the identity provider (production
 * settings) as a child process, seeds accounts, drives closed-loop virtual users over HTTP, then does
 * the same login flow against a bare oidc-provider (the baseline), and measures the argon2id ceiling.
 * Prints a table and writes bench/results/<date>.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { hash as argon2Hash } from '@node-rs/argon2';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { ARGON2_PARAMS } from '../src/domain/accounts/password-hasher.js';
import { addClient, clientSecretBox } from '../src/oidc/clients.js';
import { loadOrCreateJwks } from '../src/oidc/keys.js';
import { activationFlow, benchParent, seedActivationRegistry } from './lib/activation.js';
import { ArgsError, type BenchOptions, parseArgs, type Scenario, USAGE } from './lib/args.js';
import {
  accountIdentifier,
  BENCH_PASSWORD,
  type BenchClient,
  loginFlow,
  REDIRECT_URI,
  refreshFlow,
  ShedError,
} from './lib/flows.js';
import { type HashCeiling, measureHashCeiling } from './lib/hash-ceiling.js';
import { type LoadResult, runLoad } from './lib/load.js';
import { findKnee, nextVus, type RampStep, withinLimits } from './lib/ramp.js';
import { fmt, Recorder, table } from './lib/stats.js';

const ROOT = resolve(import.meta.dirname, '..');
const TMP = join(ROOT, 'bench', '.tmp');
const RESULTS = join(ROOT, 'bench', 'results');
const HASH_QUEUE_LIMIT = Number(process.env.HASH_QUEUE_LIMIT) || 64;
/** Parents without accounts seeded for the activation scenario: each flow activates a new one. */
const ACTIVATION_PARENTS = 20_000;

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** A PostgreSQL URL for the bench's own database (never the one DATABASE_URL names, unless it says bench). */
function benchDatabaseUrl(databaseUrl: string): { url: string; admin: string; name: string } {
  const url = new URL(databaseUrl);
  const given = url.pathname.replace(/^\//, '');
  const name = given.includes('bench') ? given : 'educonnect_bench';
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  url.pathname = `/${name}`;
  return { url: url.toString(), admin: admin.toString(), name };
}

interface Prepared {
  databaseUrl: string | undefined;
  dataDir: string;
  client: BenchClient;
  passwordHash: string;
}

async function prepareDatabase(options: BenchOptions, secretKey: string): Promise<Prepared> {
  const dataDir = join(TMP, 'data');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  let databaseUrl: string | undefined;
  if (process.env.DATABASE_URL) {
    const target = benchDatabaseUrl(process.env.DATABASE_URL);
    if (!/^[a-z0-9_]+$/.test(target.name)) throw new Error(`invalid bench database name ${target.name}`);
    const admin = new pg.Client({ connectionString: target.admin });
    await admin.connect();
    await admin.query(`drop database if exists ${target.name} with (force)`);
    await admin.query(`create database ${target.name}`);
    await admin.end();
    databaseUrl = target.url;
  }
  const db = await openDatabase({ databaseUrl, dataDir });
  try {
    await migrateToLatest(db);
    const passwordHash = await argon2Hash(BENCH_PASSWORD, { algorithm: 2, ...ARGON2_PARAMS });
    const started = performance.now();
    // One precomputed PHC string for every account: a verify costs the same whatever the hash.
    const batch = 200_000;
    for (let from = 1; from <= options.accounts; from += batch) {
      const to = Math.min(options.accounts, from + batch - 1);
      await sql`
        insert into accounts (profile, identifier, given_name, family_name, password_hash)
        select 'responsable_legal', 'b.bench' || i, 'Bench', 'Parent' || i, ${passwordHash}
        from generate_series(${from}::int, ${to}::int) as i`.execute(db);
    }
    await sql`analyze accounts`.execute(db);
    log(`seeded ${options.accounts} accounts in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (options.scenarios.includes('activation')) {
      const registryStarted = performance.now();
      await seedActivationRegistry(db, ACTIVATION_PARENTS);
      log(
        `seeded a registry of ${ACTIVATION_PARENTS} parents without accounts in ${((performance.now() - registryStarted) / 1000).toFixed(1)} s`,
      );
    }
    const registered = await addClient(
      db,
      { name: 'Bench ENT', redirectUris: [REDIRECT_URI], firstParty: true },
      false,
      clientSecretBox(secretKey),
    );
    return {
      databaseUrl,
      dataDir,
      client: { clientId: registered.client_id, clientSecret: registered.client_secret },
      passwordHash,
    };
  } finally {
    await db.destroy();
  }
}

/** The SMS gateway (SMS_TRANSPORT=http): accepts `{to, text}`, counts them, hands them to waiting flows. */
async function startSmsSink() {
  let received = 0;
  const delivered = new Map<string, string>();
  const waiting = new Map<string, (text: string) => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received++;
      try {
        const { to, text } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          to: string;
          text: string;
        };
        const waiter = waiting.get(to);
        if (waiter) {
          waiting.delete(to);
          waiter(text);
        } else delivered.set(to, text);
      } catch {
        // not JSON: counted, ignored
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"sent"}');
    });
  });
  /** The next SMS to this number (E.164), or a rejection after timeoutMs. */
  const inbox = (to: string, timeoutMs: number) => {
    const text = delivered.get(to);
    if (text !== undefined) {
      delivered.delete(to);
      return Promise.resolve(text);
    }
    return new Promise<string>((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(to);
        reject(new Error('no SMS received within 30 s'));
      }, timeoutMs);
      waiting.set(to, (t) => {
        clearTimeout(timer);
        resolvePromise(t);
      });
    });
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`,
    inbox,
    get received() {
      return received;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

interface Server {
  origin: string;
  pid: number;
  stop(): Promise<void>;
}

async function startProcess(script: string, env: Record<string, string>, name: string): Promise<Server> {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the servers
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...extra, '--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`${name} exited during start-up`);
    try {
      const res = await fetch(`${origin}/.well-known/openid-configuration`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not start within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`${name} ready on ${origin} (pid ${child.pid})`);
  return {
    origin,
    pid: child.pid!,
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}

interface ScenarioResult extends LoadResult {
  scenario: Scenario;
}

const randomAccount = (accounts: number) => accountIdentifier(1 + Math.floor(Math.random() * accounts));

function loginLoad(
  server: Server,
  client: BenchClient,
  options: BenchOptions,
  vus: number,
  measurePostgres: boolean,
  arrivalsPerSecond?: number,
) {
  return runLoad({
    arrivalsPerSecond,
    origin: server.origin,
    vus,
    warmupSeconds: options.warmup,
    durationSeconds: options.duration,
    serverPid: server.pid,
    measurePostgres,
    flow: async (_vu, browser, recorder) => {
      await loginFlow(browser, client, randomAccount(options.accounts), recorder);
    },
  });
}

function refreshLoad(
  server: Server,
  client: BenchClient,
  options: BenchOptions,
  vus: number,
  measurePostgres: boolean,
) {
  const tokens: string[] = [];
  const obtain = async (vu: number, browser: Parameters<typeof loginFlow>[0]) => {
    // all virtual users log in at once: admission control may refuse some; they retry, as people do
    let set: Awaited<ReturnType<typeof loginFlow>> | undefined;
    for (let attempt = 1; !set; attempt++) {
      try {
        set = await loginFlow(browser, client, randomAccount(options.accounts), new Recorder(), {
          offline: true,
        });
      } catch (error) {
        if (!(error instanceof ShedError) || attempt >= 20) throw error;
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
    if (!set.refresh_token) throw new Error('no refresh token issued (offline_access)');
    tokens[vu] = set.refresh_token;
  };
  return runLoad({
    origin: server.origin,
    vus,
    warmupSeconds: options.warmup,
    durationSeconds: options.duration,
    serverPid: server.pid,
    measurePostgres,
    prepare: obtain,
    flow: async (vu, browser, recorder) => {
      try {
        tokens[vu] = await refreshFlow(browser, client, tokens[vu]!, recorder);
      } catch (error) {
        await obtain(vu, browser).catch(() => undefined);
        throw error;
      }
    },
  });
}

function activationLoad(
  server: Server,
  client: BenchClient,
  options: BenchOptions,
  vus: number,
  measurePostgres: boolean,
  inbox: Parameters<typeof activationFlow>[3],
  parents: { next: number },
) {
  return runLoad({
    origin: server.origin,
    vus,
    warmupSeconds: options.warmup,
    durationSeconds: options.duration,
    serverPid: server.pid,
    measurePostgres,
    flow: async (_vu, browser, recorder) => {
      const index = ++parents.next; // one parent per flow: the SMS cap is per number and hour
      if (index > ACTIVATION_PARENTS) throw new Error('activation registry exhausted');
      await activationFlow(browser, client, benchParent(index), inbox, recorder);
    },
  });
}

/** Where flows were shed: "authorize 120, login POST 3". */
function shedWhere(result: LoadResult): string {
  const parts = Object.entries(result.errorKinds)
    .filter(([kind]) => kind.endsWith(' 503 (shed)'))
    .map(([kind, n]) => `${kind.replace(' 503 (shed)', '')} ${n}`);
  return parts.length ? parts.join(', ') : 'none';
}

async function main() {
  let options: BenchOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof ArgsError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw error;
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const startedAt = new Date();
  // the hashing pool's workers are unref'd: keep the process alive while they are all it waits for
  const keepAlive = setInterval(() => undefined, 1000);
  mkdirSync(TMP, { recursive: true });
  const machine = {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    database: process.env.DATABASE_URL ? 'postgresql' : 'pglite',
  };
  log(
    `machine: ${machine.cpus} cores ${machine.cpuModel}, ${machine.memoryGb} GB, ${machine.node}, ${machine.database}`,
  );

  // The server's SECRET_KEY, known before seeding: the bench client's secret is sealed with it.
  const secretKey = randomBytes(32).toString('base64url');
  const prepared = await prepareDatabase(options, secretKey);
  const jwksFile = join(TMP, 'jwks.json');
  await loadOrCreateJwks(jwksFile, true);
  const cookieKey = randomBytes(32).toString('base64url');

  log(`hash ceiling (${options.hashSeconds} s)...`);
  const ceiling: HashCeiling = await measureHashCeiling(
    prepared.passwordHash,
    BENCH_PASSWORD,
    options.hashSeconds,
  );
  log(
    `hash ceiling: ${ceiling.verifiesPerSecond.toFixed(1)} verifies/s, ${ceiling.cpuMsPerVerify.toFixed(2)} ms CPU each`,
  );

  const sms = await startSmsSink();
  const activationParents = { next: 0 };
  const results: ScenarioResult[] = [];
  let baseline: ScenarioResult | undefined;
  const ramp: (RampStep & { shed: number; admittedFailures: number })[] = [];
  let overload: (LoadResult & { vus: number }) | undefined;
  let atSeventy: (LoadResult & { capacity: number }) | undefined;
  const postgres = Boolean(prepared.databaseUrl);
  const ours = options.scenarios.filter((s) => s !== 'baseline');

  if (ours.length > 0 || options.ramp) {
    const server = await startProcess(
      'src/main.ts',
      {
        NODE_ENV: 'production',
        ALLOW_EMBEDDED_DB_IN_PRODUCTION: 'true', // the bench measures both databases
        ISSUER: 'http://127.0.0.1:0', // replaced below once the port is known
        DATA_DIR: prepared.dataDir,
        JWKS_FILE: jwksFile,
        COOKIE_KEYS: cookieKey,
        SECRET_KEY: secretKey,
        SMS_TRANSPORT: 'http',
        SMS_HTTP_URL: sms.url,
        // production requires SMTP; the bench sends no email (nothing listens on port 9)
        EMAIL_TRANSPORT: 'smtp',
        SMTP_URL: 'smtp://127.0.0.1:9',
        // every virtual user comes from 127.0.0.1: per-address activation limits off
        ACTIVATION_IP_HOURLY_LIMIT: '0',
        SMS_IP_HOURLY_LIMIT: '0',
        LOG_LEVEL: 'warn',
        HASH_QUEUE_LIMIT: String(HASH_QUEUE_LIMIT),
        ...(prepared.databaseUrl ? { DATABASE_URL: prepared.databaseUrl } : { DATABASE_URL: '' }),
        ...(options.webConcurrency ? { WEB_CONCURRENCY: String(options.webConcurrency) } : {}),
      },
      'identity provider',
    );
    // p99 at 70 % of capacity: open loop at 0.7 × the best login throughput measured so far in this
    // run, right after the login scenario (before the ramp's overload step), else after the ramp
    const measureAtSeventy = async () => {
      const capacity = Math.max(
        0,
        ...results.filter((r) => r.scenario === 'login').map((r) => r.flowsPerSecond),
        ...ramp.map((s) => s.flowsPerSecond),
      );
      if (capacity > 0) {
        const rate = options.rate ?? 0.7 * capacity;
        log(
          `login at ${((100 * rate) / capacity).toFixed(0)}% of capacity: ${rate.toFixed(1)} arrivals/s (open loop) for ${options.duration} s...`,
        );
        const result = await loginLoad(server, prepared.client, options, 0, postgres, rate);
        atSeventy = { ...result, capacity };
        log(
          `login at 70%: ${result.flowsPerSecond.toFixed(1)} flows/s, p99 ${result.flow.p99.toFixed(0)} ms, ${result.errors} errors`,
        );
      }
    };
    try {
      for (const scenario of ours) {
        const vus = options.vus ?? (scenario === 'refresh' ? 32 : scenario === 'activation' ? 8 : 16);
        log(`${scenario}: ${vus} virtual users, ${options.warmup} s warm-up + ${options.duration} s...`);
        const result =
          scenario === 'login'
            ? await loginLoad(server, prepared.client, options, vus, postgres)
            : scenario === 'activation'
              ? await activationLoad(
                  server,
                  prepared.client,
                  options,
                  vus,
                  postgres,
                  sms.inbox,
                  activationParents,
                )
              : await refreshLoad(server, prepared.client, options, vus, postgres);
        results.push({ scenario, ...result });
        log(
          `${scenario}: ${result.flowsPerSecond.toFixed(1)} flows/s, p99 ${result.flow.p99.toFixed(0)} ms, ${result.errors} errors`,
        );
      }
      if (results.some((r) => r.scenario === 'login')) await measureAtSeventy();
      if (options.ramp) {
        const stepOptions = { ...options, warmup: 1, duration: options.rampStep };
        let vus = 4;
        for (;;) {
          const result = await loginLoad(server, prepared.client, stepOptions, vus, false);
          const step = {
            vus,
            flowsPerSecond: result.flowsPerSecond,
            p99: result.flow.p99,
            errorRate: result.errorRate,
            shed: result.shed,
            admittedFailures: result.admittedFailures,
          };
          ramp.push(step);
          log(
            `ramp ${vus} VUs: ${step.flowsPerSecond.toFixed(1)} flows/s, p99 ${step.p99.toFixed(0)} ms, errors ${(step.errorRate * 100).toFixed(1)}%, shed ${step.shed}`,
          );
          if (!withinLimits(step) || vus >= 2048) break;
          vus = nextVus(vus);
        }
        const overloadVus = Math.max(vus * 2, HASH_QUEUE_LIMIT * 4);
        log(`overload: ${overloadVus} virtual users...`);
        overload = await loginLoad(server, prepared.client, stepOptions, overloadVus, false);
        log(
          `overload: ${overload.flowsPerSecond.toFixed(1)} flows/s, shed ${overload.shed}, admitted failures ${overload.admittedFailures}`,
        );
      }
      if (!atSeventy) await measureAtSeventy();
    } finally {
      await server.stop();
    }
  }

  if (options.scenarios.includes('baseline')) {
    const server = await startProcess(
      'bench/baseline-server.ts',
      {
        NODE_ENV: 'production',
        JWKS_FILE: jwksFile,
        COOKIE_KEY: cookieKey,
        BENCH_ACCOUNTS: String(options.accounts),
        BENCH_PASSWORD_HASH: prepared.passwordHash,
        BENCH_CLIENT_ID: prepared.client.clientId,
        BENCH_CLIENT_SECRET: prepared.client.clientSecret,
        HASH_QUEUE_LIMIT: String(HASH_QUEUE_LIMIT),
      },
      'baseline (bare oidc-provider)',
    );
    try {
      const vus = options.vus ?? 16;
      log(`baseline login: ${vus} virtual users...`);
      const result = await loginLoad(server, prepared.client, options, vus, false);
      baseline = { scenario: 'baseline', ...result };
      log(`baseline: ${result.flowsPerSecond.toFixed(1)} flows/s, p99 ${result.flow.p99.toFixed(0)} ms`);
    } finally {
      await server.stop();
    }
  }
  await sms.close();

  const login = results.find((r) => r.scenario === 'login');
  const refresh = results.find((r) => r.scenario === 'refresh');
  const verify = ceiling.cpuMsPerVerify;
  const ratios = {
    loginOverHashCeiling: login ? login.flowsPerSecond / ceiling.verifiesPerSecond : undefined,
    cpuPerFlowOursOverBaselineExclHash:
      login && baseline
        ? (login.serverCpuMsPerFlow - verify) / (baseline.serverCpuMsPerFlow - verify)
        : undefined,
    cpuPerFlowOursWithDbOverBaselineExclHash:
      login && baseline && login.postgresCpuMsPerFlow !== undefined
        ? (login.serverCpuMsPerFlow + login.postgresCpuMsPerFlow - verify) /
          (baseline.serverCpuMsPerFlow - verify)
        : undefined,
  };
  const knee = findKnee(ramp);
  const report = {
    startedAt: startedAt.toISOString(),
    label: options.label,
    machine,
    options,
    hashCeiling: ceiling,
    scenarios: [...results, ...(baseline ? [baseline] : [])],
    ratios,
    ramp: ramp.length ? { steps: ramp, knee, overload } : undefined,
    loginAtSeventyPercent: atSeventy,
    smsReceived: sms.received,
  };

  // Table
  const all: (LoadResult & { scenario: string })[] = [...report.scenarios];
  if (atSeventy)
    all.splice(all.filter((r) => r.scenario !== 'baseline').length, 0, {
      scenario: 'login @70%',
      ...atSeventy,
    });
  const rows = all.map((r) => [
    r.scenario === 'baseline' ? 'login (baseline)' : r.scenario,
    r.arrivalsPerSecond ? `${fmt(r.arrivalsPerSecond)}/s` : String(r.vus),
    fmt(r.flowsPerSecond),
    fmt(r.flow.p50),
    fmt(r.flow.p95),
    fmt(r.flow.p99),
    fmt(r.serverCpuMsPerFlow, 2),
    r.postgresCpuMsPerFlow === undefined ? '-' : fmt(r.postgresCpuMsPerFlow, 2),
    fmt(r.peakRssMb, 0),
    `${r.errors}${r.shed ? ` (${r.shed} shed)` : ''}`,
  ]);
  console.log(
    `\nMachine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGb} GB RAM, Node ${machine.node}, ${machine.database}, ${options.accounts} accounts\n`,
  );
  console.log(
    table(
      [
        'scenario',
        'VUs/rate',
        'flows/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'CPU ms/flow',
        'DB CPU ms/flow',
        'peak RSS MB',
        'errors',
      ],
      rows,
    ),
  );
  console.log('\nSteps (p50 / p95 / p99 ms):');
  const stepRows: string[][] = [];
  for (const r of all) {
    for (const [name, s] of Object.entries(r.steps)) {
      stepRows.push([
        r.scenario === 'baseline' ? 'baseline' : r.scenario,
        name,
        fmt(s.p50),
        fmt(s.p95),
        fmt(s.p99),
      ]);
    }
  }
  console.log(table(['scenario', 'step', 'p50', 'p95', 'p99'], stepRows));
  console.log(
    `\nHash ceiling: ${fmt(ceiling.verifiesPerSecond)} argon2id verifies/s on ${ceiling.workers} threads, ${fmt(verify, 2)} ms CPU per verify`,
  );
  if (ratios.loginOverHashCeiling !== undefined)
    console.log(
      `login flows/s ÷ hash ceiling: ${(ratios.loginOverHashCeiling * 100).toFixed(1)}% (goal ≥ 85%)`,
    );
  if (ratios.cpuPerFlowOursOverBaselineExclHash !== undefined)
    console.log(
      `CPU per login flow, ours ÷ baseline, excluding the hash: ${ratios.cpuPerFlowOursOverBaselineExclHash.toFixed(2)}x (goal ≤ 1.3x)` +
        (ratios.cpuPerFlowOursWithDbOverBaselineExclHash !== undefined
          ? `; counting PostgreSQL's CPU too: ${ratios.cpuPerFlowOursWithDbOverBaselineExclHash.toFixed(2)}x`
          : ''),
    );
  if (refresh) console.log(`refresh: ${fmt(refresh.flowsPerSecond)}/s (goal ≥ 1500/s)`);
  if (atSeventy)
    console.log(
      `p99 of a login flow at ${((100 * atSeventy.arrivalsPerSecond!) / atSeventy.capacity).toFixed(0)}% of capacity (${fmt(atSeventy.arrivalsPerSecond)} arrivals/s, open loop; capacity ${fmt(atSeventy.capacity)} flows/s): ` +
        `${fmt(atSeventy.flow.p99)} ms (goal < 300 ms)${atSeventy.errors ? `, ${atSeventy.errors} errors` : ''}`,
    );
  if (ramp.length) {
    console.log('\nRamp (login):');
    console.log(
      table(
        ['VUs', 'flows/s', 'p99 ms', 'errors %', 'shed', 'admitted failed'],
        ramp.map((s) => [
          String(s.vus),
          fmt(s.flowsPerSecond),
          fmt(s.p99),
          fmt(s.errorRate * 100, 2),
          String(s.shed),
          String(s.admittedFailures),
        ]),
      ),
    );
    console.log(
      knee
        ? `knee: ${knee.vus} VUs, ${fmt(knee.flowsPerSecond)} flows/s, p99 ${fmt(knee.p99)} ms`
        : 'knee: none (the first step already broke the limits)',
    );
    if (overload)
      console.log(
        `overload at ${overload.vus} VUs: ${fmt(overload.flowsPerSecond)} flows/s completed, ${overload.shed} flows shed with 503 + Retry-After (${shedWhere(overload)}), ` +
          `${overload.admittedFailures} admitted flows failed, p99 of completed (admitted) flows ${fmt(overload.flow.p99)} ms, ` +
          `other errors ${overload.errors - overload.shed}`,
      );
  }
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nJSON: ${file}`);
  clearInterval(keepAlive);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
