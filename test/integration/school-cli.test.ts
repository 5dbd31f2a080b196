import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistryCsv, REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { importRegistry } from '../../src/domain/registry/import.js';
import { CLI_PROCESS_TIMEOUT_MS, educonnect } from '../helpers/cli.js';
import { countRows, createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';
import { pdfText } from '../helpers/school.js';

const CSV = [
  REGISTRY_COLUMNS.join(';'),
  '0861234A;Collège Jean Moulin;C-E1;Durand;Léo;10/05/2012;5EME;C-R1;Durand;Sophie;;',
  '0861234A;Collège Jean Moulin;C-E2;Roux;Jade;04/04/2012;5EME;C-R2;Roux;Nadia;06 55 44 33 01;',
].join('\n');

/**
 * The school console's actions as `educonnect` commands with JSON output, as a script would run them.
 * Few processes on purpose (each costs seconds on a busy machine): reset, unlock, flag and bad input
 * share their domain functions with the console, tested in school-console.test.ts.
 */
describe.each(DATABASE_KINDS)(
  'educonnect school commands on %s',
  { timeout: CLI_PROCESS_TIMEOUT_MS },
  (kind) => {
    let database: TestDatabase;

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      // The registry import has its own CLI test: here it is written directly, one process fewer.
      await importRegistry(database.db, parseRegistryCsv(CSV).lines);
      await database.release();
    }, CLI_PROCESS_TIMEOUT_MS);
    afterAll(async () => {
      await database?.destroy();
    });

    it('creates staff, issues a class’s notifications with a PDF and counts them', async () => {
      const staff = await educonnect(database, [
        'staff',
        'create',
        '--identifier',
        'sec.clg',
        '--name',
        'Secrétariat',
        '--uai',
        '0861234A',
      ]);
      expect(staff.code, staff.stderr).toBe(0);
      expect(staff.json()).toMatchObject({ identifier: 'sec.clg', establishments: ['0861234A'] });
      expect(String(staff.json().otpauthUri)).toMatch(/^otpauth:\/\/totp\//);

      const pdf = join(database.dataDir, 'notifications.pdf');
      const issued = await educonnect(database, [
        'notifications',
        'issue',
        '--uai',
        '0861234A',
        '--niveau',
        '5EME',
        '--profil',
        'eleve',
        '--pdf',
        pdf,
      ]);
      expect(issued.code, issued.stderr).toBe(0);
      const result = issued.json() as {
        issued: number;
        notifications: { identifier: string; temporaryPassword: string }[];
      };
      expect(result.issued).toBe(2);
      const { text, pages } = await pdfText(new Uint8Array(await readFile(pdf)));
      expect(pages).toBe(2);
      for (const n of result.notifications) expect(text).toContain(n.identifier);

      const stats = await educonnect(database, ['stats', '--uai', '0861234A']);
      expect(stats.json()).toMatchObject({
        uai: '0861234A',
        pupils: 2,
        pupilsWithAccount: 2,
        representatives: 2,
        representativesWithAccount: 0,
        notificationsUnused: 2,
      });
      await database.reopen();
      expect(await countRows(database.db, 'accounts')).toBe(2);
      const events = await database.db
        .selectFrom('audit_events')
        .select('event')
        .where('event', 'like', 'school.%')
        .execute();
      expect(events.map((e) => e.event)).toContain('school.notification_issued');
      await database.release();
    });
  },
);
