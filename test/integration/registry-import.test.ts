import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRegistryCsv } from '../../examples/generate-registry.js';
import { type CliContext, CliError } from '../../src/cli/command.js';
import { registryCommands } from '../../src/cli/registry-commands.js';
import { loadConfig } from '../../src/config/config.js';
import { DEMO_ACCOUNTS, seedDemoData } from '../../src/demo/demo-data.js';
import { PasswordHasher } from '../../src/domain/accounts/password-hasher.js';
import { REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { CLI_PROCESS_TIMEOUT_MS, educonnect } from '../helpers/cli.js';
import { countRows, createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';
import { ROOT } from '../helpers/paths.js';

const HEADER = REGISTRY_COLUMNS.join(';');
const CLG = '0861234A;Collège Jean Moulin';
const LYC = '0860034C;Lycée Camille Guérin';

const FIRST_IMPORT = [
  HEADER,
  `${CLG};E1;Martin;Lucas;14/03/2011;4EME;R1;Martin;Claire;06 12 34 56 01;claire@example.fr`,
  `${CLG};E2;Martin;Jules;2013-01-02;6EME;R1;Martin;Claire;06 12 34 56 01;claire@example.fr`,
  `${CLG};E2;Martin;Jules;2013-01-02;6EME;R2;Martin;Paul;0696 12 34 56;`,
  `${CLG};E3;Bernard;Manon;30/06/2012;5EME;;;;;`,
  `${LYC};L1;Martin;Emma;05/09/2008;1ERE;LR1;Martin;Claire;+33 6 12 34 56 01;`,
].join('\n');

const import_ = registryCommands.find((c) => c.path.join(' ') === 'registry import')!;

describe.each(DATABASE_KINDS)('registry import on %s', (kind) => {
  let database: TestDatabase;
  let dir: string;
  let printed: unknown[];
  let logged: string[];
  let context: CliContext;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dir = mkdtempSync(join(tmpdir(), 'registre-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: database.dataDir,
      SECRET_KEY: 's'.repeat(40),
      COOKIE_KEYS: 'c'.repeat(40),
    });
    context = {
      config,
      database: async () => database.db,
      hasher: () => {
        throw new Error('not used');
      },
      print: (value) => printed.push(value),
      log: (message) => logged.push(message),
    };
  });
  afterAll(async () => {
    await database?.destroy();
  });

  async function run(content: string | Buffer, ...args: string[]) {
    printed = [];
    logged = [];
    const file = join(dir, `f${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(file, content);
    await import_.run([file, ...args], context);
    return printed[0] as Record<string, Record<string, number> & number>;
  }

  async function snapshot() {
    const db = database.db;
    return {
      establishments: await countRows(db, 'establishments'),
      pupils: await countRows(db, 'pupils'),
      representatives: await countRows(db, 'representatives'),
      links: await countRows(db, 'pupil_representatives'),
      accounts: await countRows(db, 'accounts'),
      bindings: await countRows(db, 'account_pupils'),
    };
  }

  it('validates with --dry-run without writing, then imports, then a re-import changes nothing', async () => {
    const before = await snapshot();
    const dry = await run(FIRST_IMPORT, '--dry-run');
    expect(dry).toMatchObject({ dryRun: true, lines: 5, pupils: { created: 4 } });
    expect(await snapshot()).toEqual(before);

    const summary = await run(`\uFEFF${FIRST_IMPORT}`);
    expect(summary).toMatchObject({
      dryRun: false,
      lines: 5,
      establishments: { total: 2, created: 2, updated: 0 },
      pupils: { total: 4, created: 4, updated: 0, unlisted: 0 },
      representatives: { total: 3, created: 3, updated: 0 },
      links: { total: 4, created: 4, removed: 0 },
    });
    const paul = await database.db
      .selectFrom('representatives')
      .selectAll()
      .where('registry_id', '=', 'R2')
      .executeTakeFirstOrThrow();
    expect(paul).toMatchObject({ mobile: '+596696123456', match_name: 'martin paul' });
    const establishments = await database.db
      .selectFrom('establishments')
      .select(['uai', 'kind'])
      .orderBy('uai')
      .execute();
    expect(establishments).toEqual([
      { uai: '0860034C', kind: 'lycee' },
      { uai: '0861234A', kind: 'college' },
    ]);

    const again = await run(FIRST_IMPORT);
    expect(again).toMatchObject({
      establishments: { created: 0, updated: 0 },
      pupils: { created: 0, updated: 0, unlisted: 0 },
      representatives: { created: 0, updated: 0 },
      links: { created: 0, removed: 0 },
    });
  });

  it('refuses a file with bad lines, prints each with its number and writes nothing', async () => {
    const before = await snapshot();
    const bad = [
      HEADER,
      `${CLG};E1;Martin;Lucas;14/03/2011;4EME;R1;Martin;Claire;06 12 34 56 01;claire@example.fr`,
      `${CLG};E9;Durand;Léo;31/02/2012;5EME;;;;;`,
      `0861234;Collège;E10;Durand;Léo;10/05/2012;5EME;;;;;`,
      `${CLG};E11;Durand;Léo;10/05/2012;5EME;R11;Durand;Sophie;06 12;`,
      `${CLG};E12;Durand`,
    ].join('\n');
    await expect(run(bad)).rejects.toThrow(CliError);
    await expect(run(bad)).rejects.toThrow("4 lignes invalides : rien n'a été importé");
    expect(logged).toEqual([
      expect.stringMatching(/^ligne 3 : date de naissance invalide/),
      expect.stringMatching(/^ligne 4 : UAI invalide/),
      expect.stringMatching(/^ligne 5 : numéro de téléphone invalide/),
      expect.stringMatching(/^ligne 6 : 4 colonnes au lieu de 12/),
    ]);
    await expect(run('uai;nom\n1;2')).rejects.toThrow('1 ligne invalide');
    expect(logged[0]).toContain("l'en-tête doit être exactement");
    await expect(import_.run([join(dir, 'absent.csv')], context)).rejects.toThrow(
      `Fichier introuvable : ${join(dir, 'absent.csv')}`,
    );
    await expect(import_.run([dir], context)).rejects.toThrow("C'est un dossier");
    await expect(import_.run([], context)).rejects.toThrow('exactement un fichier');
    await expect(import_.run(['a.csv', '--force'], context)).rejects.toThrow('Option inconnue : --force');
    expect(await snapshot()).toEqual(before);
  });

  it('checks the consistency of every valid part of a line, even beside a malformed part: one run lists every problem', async () => {
    const before = await snapshot();
    const bad = [
      HEADER,
      `${CLG};E1;Martin;Lucas;14/03/2011;4EME;R1;Martin;Claire;06 12 34 56 01;`,
      // the phone is malformed, and the pupil E1 is not the one of line 2
      `${CLG};E1;Martin;Lucas;14/03/2012;4EME;R2;Martin;Paul;06 12;`,
      // the birth date is malformed, and the representative R1 has another phone than line 2
      `${CLG};E3;Martin;Zoé;31/02/2012;5EME;R1;Martin;Claire;06 12 34 56 02;`,
    ].join('\n');
    await expect(run(bad)).rejects.toThrow("2 lignes invalides : rien n'a été importé");
    expect(logged).toEqual([
      "ligne 3 : numéro de téléphone invalide (« 06 12 ») ; l'élève E1 apparaît avec d'autres informations ligne 2",
      expect.stringMatching(
        /^ligne 4 : date de naissance invalide .* ; le représentant R1 apparaît avec d'autres informations ligne 2$/,
      ),
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('reads a Windows-1252 export (Excel) and says how to save UTF-8; refuses a file mixing both encodings', async () => {
    const cp1252 = Buffer.from(
      `${HEADER}\n0861234A;Collège Jean Moulin;W1;Lefèvre;Chloé;21/01/2013;6EME;WR1;Lefèvre;Jean-Marc;06 12 34 56 03;\n`,
      'latin1',
    );
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(cp1252)).toThrow();
    const summary = await run(cp1252, '--dry-run');
    expect(summary).toMatchObject({ dryRun: true, pupils: { created: 1 } });
    expect(logged.join('\n')).toContain("n'est pas en UTF-8 : il a été lu en Windows-1252 (export Excel)");
    expect(logged.join('\n')).toContain('CSV UTF-8 (délimité par des virgules)');

    const before = await snapshot();
    const mixed = Buffer.concat([
      Buffer.from(`${HEADER}\n${CLG};W2;Lefèvre;Chloé;21/01/2013;6EME;;;;;\n`, 'utf8'),
      Buffer.from(`${CLG};W3;Lefèvre;Loïc;21/01/2013;6EME;;;;;\n`, 'latin1'),
    ]);
    await expect(run(mixed)).rejects.toThrow(/n'est pas encodé en UTF-8 : enregistrez-le en UTF-8/);
    await expect(run(mixed)).rejects.toThrow("Rien n'a été importé");
    expect(logged).toEqual([]); // one message for the file, not one per line
    expect(await snapshot()).toEqual(before);
  });

  it('updates names and phones, removes the links of unlisted pupils and their bindings, keeps accounts', async () => {
    // Claire has an account bound to Lucas and Jules.
    const account = await database.db
      .insertInto('accounts')
      .values({
        profile: 'responsable_legal',
        identifier: 'c.martin77',
        given_name: 'Claire',
        family_name: 'Martin',
        password_hash: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await database.db
      .updateTable('representatives')
      .set({ account_id: account.id })
      .where('registry_id', 'in', ['R1', 'LR1'])
      .execute();
    const pupils = await database.db
      .selectFrom('pupils')
      .select(['id', 'registry_id'])
      .where('registry_id', 'in', ['E1', 'E2'])
      .execute();
    await database.db
      .insertInto('account_pupils')
      .values(pupils.map((p) => ({ account_id: account.id, pupil_id: p.id })))
      .execute();

    // The collège's new export: Lucas left, Jules keeps only his father (new number), Manon gains a parent.
    const summary = await run(
      [
        HEADER,
        `${CLG};E2;Martin;Jules;2013-01-02;5EME;R2;Martin;Paul;07 98 76 54 32;`,
        `${CLG};E3;Bernard;Manon;30/06/2012;5EME;R3;Bernard;Nadia;06 11 22 33 44;`,
      ].join('\n'),
    );
    expect(summary).toMatchObject({
      establishments: { total: 1, created: 0, updated: 0 },
      pupils: { total: 2, created: 0, updated: 1, unlisted: 1 },
      representatives: { total: 2, created: 1, updated: 1 },
      links: { total: 2, created: 1, removed: 2 },
      bindingsRemoved: 2,
    });
    const links = await database.db
      .selectFrom('pupil_representatives as pr')
      .innerJoin('pupils as p', 'p.id', 'pr.pupil_id')
      .innerJoin('representatives as r', 'r.id', 'pr.representative_id')
      .select(['p.registry_id as pupil', 'r.registry_id as rep'])
      .orderBy('p.registry_id')
      .execute();
    expect(links).toEqual([
      { pupil: 'E2', rep: 'R2' },
      { pupil: 'E3', rep: 'R3' },
      { pupil: 'L1', rep: 'LR1' }, // the lycée was not in this file: untouched
    ]);
    expect(await countRows(database.db, 'account_pupils')).toBe(0);
    expect(await countRows(database.db, 'accounts')).toBe(1);
    const paul = await database.db
      .selectFrom('representatives')
      .select('mobile')
      .where('registry_id', '=', 'R2')
      .executeTakeFirstOrThrow();
    expect(paul.mobile).toBe('+33798765432');
    // Lucas' row stays (his own account would too); only links went.
    expect(
      await database.db.selectFrom('pupils').select('id').where('registry_id', '=', 'E1').executeTakeFirst(),
    ).toBeTruthy();
  });

  it('imports a generated file of thousands of lines in one go', async () => {
    const csv = generateRegistryCsv(5000, 7);
    const summary = await run(csv);
    expect(summary).toMatchObject({ lines: 5000, links: { created: 5000, removed: 0 } });
    const again = await run(csv);
    expect(again).toMatchObject({ links: { created: 0, removed: 0 }, pupils: { created: 0, updated: 0 } });
  });

  it('seeds the demo registry idempotently and binds the demo accounts', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: database.dataDir,
      SECRET_KEY: 's'.repeat(40),
      COOKIE_KEYS: 'c'.repeat(40),
    });
    const hasher = new PasswordHasher(1);
    try {
      await seedDemoData(database.db, config, hasher);
      const first = await snapshot();
      await seedDemoData(database.db, config, hasher);
      expect(await snapshot()).toEqual(first);
    } finally {
      await hasher.close();
    }
    expect(DEMO_ACCOUNTS.map((a) => a.identifier)).toEqual(['c.martin12', 'l.martin45', 'i.nguyen27']);
    const lucas = await database.db
      .selectFrom('pupils')
      .innerJoin('accounts', 'accounts.id', 'pupils.account_id')
      .select(['accounts.identifier', 'pupils.establishment_uai'])
      .where('pupils.registry_id', '=', 'C-0001')
      .executeTakeFirstOrThrow();
    expect(lucas).toEqual({ identifier: 'l.martin45', establishment_uai: '0861234A' });
    const claire = await database.db
      .selectFrom('account_pupils')
      .innerJoin('accounts', 'accounts.id', 'account_pupils.account_id')
      .innerJoin('pupils', 'pupils.id', 'account_pupils.pupil_id')
      .select('pupils.given_name')
      .where('accounts.identifier', '=', 'c.martin12')
      .orderBy('pupils.given_name')
      .execute();
    expect(claire.map((p) => p.given_name)).toEqual(['Emma', 'Lucas']);
    const sophie = await database.db
      .selectFrom('representatives')
      .select(['registry_id', 'mobile', 'account_id'])
      .where('match_name', '=', 'durand sophie')
      .where('registry_id', 'in', ['C-R002', 'L-R002'])
      .orderBy('registry_id')
      .execute();
    expect(sophie).toEqual([
      { registry_id: 'C-R002', mobile: '+33612345678', account_id: null },
      { registry_id: 'L-R002', mobile: '+33612345678', account_id: null },
    ]);
  });
});

describe.each(DATABASE_KINDS)(
  'educonnect registry import as a process on %s',
  { timeout: CLI_PROCESS_TIMEOUT_MS },
  (kind) => {
    let database: TestDatabase;
    let dir: string;

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      await database.release(); // the CLI process opens the database itself
      dir = mkdtempSync(join(tmpdir(), 'registre-cli-'));
    });
    afterAll(async () => {
      await database?.destroy();
    });

    it('exits 1 with every bad line on stderr, then imports the example file and prints the summary', async () => {
      const bad = join(dir, 'mauvais.csv');
      writeFileSync(bad, `${HEADER}\n${CLG};E1;Martin;Lucas;14/13/2011;4EME;;;;;\n${CLG};E2;Martin`);
      const refused = await educonnect(database, ['registry', 'import', bad]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('ligne 2 : date de naissance invalide');
      expect(refused.stderr).toContain('ligne 3 : 4 colonnes au lieu de 12');
      expect(refused.stderr).toContain("2 lignes invalides : rien n'a été importé");
      expect(refused.stdout).toBe('');

      const example = join(ROOT, 'examples/registre-exemple.csv');
      const imported = await educonnect(database, ['registry', 'import', example]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({
        dryRun: false,
        establishments: { created: 2 },
        links: { created: 9, removed: 0 },
      });
      const again = await educonnect(database, ['registry', 'import', example]);
      expect(JSON.parse(again.stdout)).toMatchObject({
        links: { created: 0, removed: 0 },
        pupils: { updated: 0 },
      });
    });
  },
);
