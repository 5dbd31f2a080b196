import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBrowser } from '../helpers/browser.js';
import { CLI_PROCESS_TIMEOUT_MS, educonnect } from '../helpers/cli.js';
import { countRows, createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';
import { startTestIdp } from '../helpers/idp.js';
import { isCallback, loginWithPassword, RP_REDIRECT, TestRelyingParty } from '../helpers/relying-party.js';

describe.each(DATABASE_KINDS)('educonnect CLI on %s', { timeout: CLI_PROCESS_TIMEOUT_MS }, (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await database.release(); // the CLI process opens the database itself
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('migrates, registers a client and an account that then complete the code flow with the forced password change', async () => {
    const migrate = await educonnect(database, ['migrate']);
    expect(migrate.code).toBe(0);
    expect(migrate.json()).toMatchObject({ applied: [], status: 'à jour' });

    const added = await educonnect(database, [
      'clients',
      'add',
      '--name',
      'ENT du collège',
      '--redirect-uri',
      RP_REDIRECT,
      '--post-logout-redirect-uri',
      'http://rp.test/logged-out',
      '--first-party',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const client = added.json();
    expect(client.client_id).toEqual(expect.any(String));
    expect(String(client.client_secret).length).toBeGreaterThanOrEqual(40);

    const listed = await educonnect(database, ['clients', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('ENT du collège');
    expect(listed.stdout).not.toContain(String(client.client_secret));

    const created = await educonnect(database, [
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
    const { identifier, temporaryPassword } = created.json() as {
      identifier: string;
      temporaryPassword: string;
    };
    expect(identifier).toMatch(/^e\.ndiaye\d{2,}$/);

    // The server shares the CLI's SECRET_KEY (see helpers/cli.ts): it opens the sealed secret.
    const idp = await startTestIdp(kind, { database, env: { SECRET_KEY: 's'.repeat(40) } });
    try {
      // Shown once: the database keeps the secret only sealed (AES-256-GCM, key from SECRET_KEY).
      const row = await idp.database.db
        .selectFrom('oidc_clients')
        .selectAll()
        .where('client_id', '=', String(client.client_id))
        .executeTakeFirstOrThrow();
      expect(row.metadata).not.toHaveProperty('client_secret');
      expect(row.secret_sealed).toMatch(/^v1\./);
      expect(JSON.stringify(row)).not.toContain(String(client.client_secret));
      const rp = await TestRelyingParty.fromClient(idp.baseUrl, client as never);
      const browser = new HttpBrowser();
      const { request, page } = await rp.begin(browser);
      const change = await loginWithPassword(browser, page, 'eleve', identifier, temporaryPassword);
      expect(change.url).toContain('/password');
      const callback = await browser.submit(
        change,
        '/password',
        { password: 'Cahier-Vert-77', confirmation: 'Cahier-Vert-77' },
        isCallback,
      );
      const tokens = await rp.exchange(callback.url, request);
      expect(tokens.claims()?.given_name).toBeUndefined(); // profile claims go to userinfo
      expect(tokens.access_token).toBeTruthy();
    } finally {
      await idp.stop();
      await database.release();
    }
  });

  it('removes a client, and refuses to remove an unknown one', async () => {
    const added = await educonnect(database, [
      'clients',
      'add',
      '--name',
      'Éphémère',
      '--redirect-uri',
      'https://ephemere.example.fr/cb',
    ]);
    const { client_id } = added.json() as { client_id: string };
    const removed = await educonnect(database, ['clients', 'remove', client_id]);
    expect(removed.code).toBe(0);
    expect((await educonnect(database, ['clients', 'list'])).stdout).not.toContain(client_id);
    const again = await educonnect(database, ['clients', 'remove', client_id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Service introuvable');
  });

  it('refuses bad input with a French message, exit code 1, and writes nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['clients', 'add', '--redirect-uri', 'https://x.example.fr/cb'], /--name est obligatoire/],
      [['clients', 'add', '--name', 'X'], /Au moins une --redirect-uri/],
      [['clients', 'add', '--name', 'X', '--redirect-uri', 'pas-une-url'], /n'est pas une URL absolue/],
      [['clients', 'add', '--name', 'X', '--redirect-uri', 'https://x.example.fr/cb#frag'], /fragment/],
      [
        [
          'clients',
          'add',
          '--name',
          'X',
          '--redirect-uri',
          'https://a.example.fr/cb',
          '--redirect-uri',
          'https://b.example.fr/cb',
        ],
        /même hôte/,
      ],
      [
        ['clients', 'add', '--name', 'X', '--redirect-uri', 'https://x.example.fr/cb', '--colour', 'red'],
        /Option invalide/,
      ],
      [
        ['accounts', 'create', '--profile', 'directeur', '--given-name', 'A', '--family-name', 'B'],
        /--profile doit valoir/,
      ],
      [['accounts', 'create', '--profile', 'eleve', '--given-name', 'A'], /obligatoires/],
      [
        ['accounts', 'create', '--profile', 'eleve', '--given-name', '123', '--family-name', '456'],
        /au moins une lettre/,
      ],
      [
        [
          'accounts',
          'create',
          '--profile',
          'eleve',
          '--given-name',
          'A',
          '--family-name',
          'B',
          '--birth-date',
          '14/03/2011',
        ],
        /AAAA-MM-JJ/,
      ],
      [['clients', 'remove'], /exactement un CLIENT_ID/],
      [['inconnue'], /Commande inconnue/],
    ];
    await database.reopen();
    const before = {
      accounts: await countRows(database.db, 'accounts'),
      clients: await countRows(database.db, 'oidc_clients'),
    };
    await database.release();
    for (const [args, message] of cases) {
      const result = await educonnect(database, args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    const production = await educonnect(
      database,
      ['clients', 'add', '--name', 'X', '--redirect-uri', 'http://ent.example.fr/cb'],
      {
        NODE_ENV: 'production',
        ALLOW_EMBEDDED_DB_IN_PRODUCTION: 'true',
        ISSUER: 'https://idp.example.fr',
        // production refuses guessable secrets such as the helper's
        SECRET_KEY: randomBytes(32).toString('base64url'),
        COOKIE_KEYS: randomBytes(32).toString('base64url'),
        JWKS_FILE: '/nonexistent',
        SMS_TRANSPORT: 'http',
        SMS_HTTP_URL: 'https://sms.example.fr',
        EMAIL_TRANSPORT: 'smtp',
        SMTP_URL: 'smtp://smtp.example.fr:587',
      },
    );
    expect(production.code).toBe(1);
    expect(production.stderr).toContain('doit être en https://');
    await database.reopen();
    expect(await countRows(database.db, 'accounts')).toBe(before.accounts);
    expect(await countRows(database.db, 'oidc_clients')).toBe(before.clients);
    await database.release();
  });

  it('rotates signing keys step by step and lists their state', async () => {
    const jwksFile = join(database.dataDir, 'rotation-jwks.json');
    const env = { JWKS_FILE: jwksFile };
    const missing = await educonnect(database, ['keys', 'list'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Fichier de clés introuvable');

    const first = await educonnect(database, ['keys', 'rotate'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json().step).toBe('published');
    expect(existsSync(jwksFile)).toBe(true);
    const second = await educonnect(database, ['keys', 'rotate'], env);
    expect(second.json().step).toBe('activated');
    const list = await educonnect(database, ['keys', 'list'], env);
    const states = (list.json().keys as { state: string }[]).map((k) => k.state).sort();
    expect(states).toEqual(['retiring', 'retiring', 'signing', 'signing']);
    expect(JSON.parse(readFileSync(jwksFile, 'utf8')).keys[0].d).toBeTruthy();
  });
});
