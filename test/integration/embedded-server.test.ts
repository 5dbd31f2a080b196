import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLock, LOCK_FILE } from '../../src/db/data-dir-lock.js';
import { type Db, openSharedDatabase } from '../../src/db/database.js';
import { REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { HttpBrowser, type Page, textOf } from '../helpers/browser.js';
import { CLI_PROCESS_TIMEOUT_MS, educonnect } from '../helpers/cli.js';
import { createTestDatabase, DATABASE_KINDS } from '../helpers/databases.js';
import { pgliteTemplate, ROOT, TMP } from '../helpers/paths.js';
import { freePort } from '../helpers/private-postgres.js';
import { isCallback, loginWithPassword, RP_REDIRECT, TestRelyingParty } from '../helpers/relying-party.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

const SECRETS = { SECRET_KEY: 's'.repeat(40), COOKIE_KEYS: 'c'.repeat(40) };
const NEW_PASSWORD = 'Cahier-Vert-77';
const PARENT_PASSWORD = 'Trousse-Verte-42';

function freshDataDir(): string {
  const dataDir = join(TMP, `embedded-server-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dataDir, { recursive: true });
  cpSync(join(pgliteTemplate(), 'pglite'), join(dataDir, 'pglite'), { recursive: true });
  return dataDir;
}

/** The real server on a free port, its issuer the address the tests use. */
async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  return startServerProcess({ ...env, ISSUER: `http://127.0.0.1:${port}` }, { port });
}

const mode = (path: string) => statSync(path).mode & 0o777;
const uidOf = (page: Page) => /\/interaction\/([^/?#]+)/.exec(page.url)?.[1] ?? '';

/**
 * What an operator does on the default, embedded database: `npm start`, then the CLI in another
 * terminal while the server runs, then a restart. Real processes throughout.
 */
describe('the CLI beside a running server on the embedded database', {
  timeout: CLI_PROCESS_TIMEOUT_MS,
}, () => {
  const dataDir = freshDataDir();
  const target = { dataDir, databaseUrl: undefined };
  // As an operator runs them: no secrets in the environment, the development ones of DATA_DIR.
  const env = { DATA_DIR: dataDir, DEMO_DATA: 'false' };
  const cli = (args: string[]) => educonnect(target, args, { SECRET_KEY: '', COOKIE_KEYS: '' });
  let server: ServerProcess;
  let client: Record<string, unknown>;
  let pupil: { identifier: string; temporaryPassword: string };

  beforeAll(async () => {
    // Left readable by an earlier version: the server must close it up.
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'notes.txt'), 'x', { mode: 0o644 });
    chmodSync(join(dataDir, 'notes.txt'), 0o666);
    server = await startServer(env);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The server's database as psql sees it: through its socket. */
  async function inspect<T>(query: (db: Db) => Promise<T>): Promise<T> {
    const db = await openSharedDatabase(target);
    try {
      return await query(db);
    } finally {
      await db.destroy();
    }
  }

  it('keeps the data directory to its owner and serves the database on a private socket', () => {
    const lock = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'));
    expect(lock).toMatchObject({
      pid: expect.any(Number),
      role: 'server',
      socketDir: dataDir,
      socketPort: 5432,
    });
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, 'notes.txt'))).toBe(0o600);
    expect(mode(join(dataDir, 'pglite'))).toBe(0o700);
    expect(mode(join(dataDir, 'pglite', 'PG_VERSION'))).toBe(0o600);
    expect(mode(join(dataDir, '.s.PGSQL.5432'))).toBe(0o600);
  });

  it('registers a service, creates an account and imports a registry that all work at once', async () => {
    const added = await cli([
      'clients',
      'add',
      '--name',
      'ENT du collège',
      '--redirect-uri',
      RP_REDIRECT,
      '--first-party',
    ]);
    expect(added.code, added.stderr).toBe(0);
    client = added.json();
    const created = await cli([
      'accounts',
      'create',
      '--profile',
      'eleve',
      '--given-name',
      'Éloïse',
      '--family-name',
      "N'Diaye",
    ]);
    expect(created.code, created.stderr).toBe(0);
    pupil = created.json() as typeof pupil;
    const file = join(dataDir, 'registre.csv');
    writeFileSync(
      file,
      [
        REGISTRY_COLUMNS.join(';'),
        '0861234A;Collège Jean Moulin;C-E1;Durand;Léo;10/05/2012;5EME;C-R1;Durand;Sophie;06 12 34 56 78;',
      ].join('\n'),
    );
    const imported = await cli(['registry', 'import', file]);
    expect(imported.code, imported.stderr).toBe(0);

    // The new service and the new account: the code flow, with the forced password change.
    const rp = await TestRelyingParty.fromClient(server.origin, client as never);
    const browser = new HttpBrowser();
    const { request, page } = await rp.begin(browser);
    const change = await loginWithPassword(browser, page, 'eleve', pupil.identifier, pupil.temporaryPassword);
    const callback = await browser.submit(
      change,
      '/password',
      { password: NEW_PASSWORD, confirmation: NEW_PASSWORD },
      isCallback,
    );
    expect((await rp.exchange(callback.url, request)).access_token).toBeTruthy();

    // The imported registry: a parent activates by SMS.
    const parent = new HttpBrowser('203.0.113.20');
    const { page: choice } = await rp.begin(parent);
    const identity = await parent.get(
      new URL(`/interaction/${uidOf(choice)}/activation`, server.origin).toString(),
    );
    const codePage = await parent.submit(identity, '/activation/identite', {
      nom: 'Durand',
      prenom: 'Sophie',
      telephone: '06 12 34 56 78',
    });
    expect(textOf(codePage.html)).toContain('Un code de sécurité a été envoyé');
    const [sms] = (await (await fetch(`${server.origin}/dev/outbox?to=%2B33612345678`)).json()) as {
      body: string;
    }[];
    const code = /\b(\d{6})\b/.exec(sms?.body ?? '')?.[1] ?? '';
    const passwordPage = await parent.submit(codePage, '/activation/code', { code });
    const pupilsPage = await parent.submit(passwordPage, '/activation/mot-de-passe', {
      password: PARENT_PASSWORD,
      confirmation: PARENT_PASSWORD,
    });
    const pupilId = await inspect(
      async (db) =>
        (
          await db
            .selectFrom('pupils')
            .select('id')
            .where('registry_id', '=', 'C-E1')
            .executeTakeFirstOrThrow()
        ).id,
    );
    const done = await parent.submit(pupilsPage, '/activation/eleves', {
      [`lien_${pupilId}`]: 'oui',
      [`naissance-${pupilId}_jour`]: '10',
      [`naissance-${pupilId}_mois`]: '05',
      [`naissance-${pupilId}_annee`]: '2012',
    });
    expect(textOf(done.html)).toContain('Votre compte a été activé avec succès');
  });

  it('lets psql inspect the running server’s database', () => {
    const psql = spawnSync(
      'psql',
      [
        '-h',
        dataDir,
        '-U',
        'postgres',
        '-d',
        'postgres',
        '-Atc',
        "select metadata->>'client_name' from oidc_clients",
      ],
      {
        encoding: 'utf8',
      },
    );
    if (psql.error) return; // no psql on this machine: nothing to show
    expect(psql.stderr).toBe('');
    expect(psql.stdout).toContain('ENT du collège');
  });

  it('refuses a second server on the same data directory with a French message', async () => {
    const second = spawnSync(join(ROOT, 'node_modules/.bin/node'), ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...env, PORT: '0', DEMO_ENT: 'false', FC_DEMO: 'false' },
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(
      `Un serveur ÉduConnect (processus ${server.child.pid}) utilise déjà la base embarquée`,
    );
    expect(second.stderr).not.toMatch(/\n\s+at /);
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  });

  it('keeps everything across a restart', async () => {
    await server.stop();
    expect(server.exited()?.code).toBe(0);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    server = await startServer(env);
    const listed = await cli(['clients', 'list']);
    expect(listed.stdout).toContain(String(client.client_id));
    const rp = await TestRelyingParty.fromClient(server.origin, client as never);
    const browser = new HttpBrowser();
    const { request, page } = await rp.begin(browser);
    const callback = await loginWithPassword(browser, page, 'eleve', pupil.identifier, NEW_PASSWORD);
    expect(isCallback(callback.url)).toBe(true);
    expect((await rp.exchange(callback.url, request)).access_token).toBeTruthy();
    const counts = await inspect(async (db) => ({
      parents: (
        await db.selectFrom('accounts').select('id').where('profile', '=', 'responsable_legal').execute()
      ).length,
      representatives: (await db.selectFrom('representatives').select('id').execute()).length,
    }));
    expect(counts).toEqual({ parents: 1, representatives: 1 });
  });

  it('takes over the lock of a server killed with SIGKILL', async () => {
    await server.kill();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true); // left behind, its PID dead
    server = await startServer(env);
    const owner = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).pid;
    expect(owner).toBe(server.child.pid);
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  });

  it('waits for a CLI command that holds the database before opening it', async () => {
    await server.stop();
    const held = DataDirLock.acquire(dataDir, 'cli');
    const started = startServer(env);
    try {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(existsSync(join(dataDir, '.s.PGSQL.5432'))).toBe(false);
    } finally {
      held.releaseSync();
    }
    server = await started;
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
  });

  it('answers an unknown path with the French page', async () => {
    const response = await fetch(`${server.origin}/nulle-part`);
    expect(response.status).toBe(404);
    expect(textOf(await response.text())).toContain('Page introuvable');
  });
});

describe.each(DATABASE_KINDS)('a service removed while the server runs on %s', (kind) => {
  it('is refused on the next /auth', async () => {
    const database = await createTestDatabase(kind);
    await database.release();
    const server = await startServer({
      DATA_DIR: database.dataDir,
      DEMO_DATA: 'false',
      ...SECRETS,
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    });
    try {
      const added = await educonnect(database, [
        'clients',
        'add',
        '--name',
        'Éphémère',
        '--redirect-uri',
        RP_REDIRECT,
      ]);
      const registered = added.json();
      const rp = await TestRelyingParty.fromClient(server.origin, registered as never);
      const before = await new HttpBrowser().get((await rp.authorizationRequest()).url, isCallback);
      expect(textOf(before.html)).toContain('Je sélectionne mon profil');
      const removed = await educonnect(database, ['clients', 'remove', String(registered.client_id)]);
      expect(removed.code, removed.stderr).toBe(0);
      const after = await new HttpBrowser().get((await rp.authorizationRequest()).url, isCallback);
      expect(after.status).toBe(400);
      expect(textOf(after.html)).toContain('Connexion impossible');
    } finally {
      await server.stop();
      await database.destroy();
    }
  });
});
