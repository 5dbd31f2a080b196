import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { parseAtenExport } from '../../src/demo/aten/export.js';
import { atenIdentity, parseVector } from '../../src/domain/aten/vector.js';
import { atenOpen } from '../../src/flows/aten/transition.js';
import { ROOT } from '../helpers/paths.js';

const dir = () => mkdtempSync(join(tmpdir(), 'educonnect-aten-'));
const production = (env: Record<string, string>) => ({
  NODE_ENV: 'production',
  DATA_DIR: dir(),
  ISSUER: 'https://educonnect.example.fr',
  JWKS_FILE: '/run/secrets/jwks.json',
  SMS_TRANSPORT: 'http',
  SMS_HTTP_URL: 'https://sms.example.fr/send',
  EMAIL_TRANSPORT: 'smtp',
  SMTP_URL: 'smtp://relay.example.fr:587',
  COOKIE_KEYS: randomBytes(32).toString('base64url'),
  SECRET_KEY: randomBytes(32).toString('base64url'),
  DATABASE_URL: 'postgres://educonnect@db.example.fr/educonnect',
  ...env,
});

describe('FrEduVecteur', () => {
  it('reads profil|nom|prénom|eleveId|UAI: 1/2 a legal representative, 3/4 a pupil', () => {
    expect(parseVector('2|Durand|Sophie|C-0002|0861234a')).toEqual({
      profile: 'responsable_legal',
      familyName: 'Durand',
      givenName: 'Sophie',
      pupilRegistryId: 'C-0002',
      uai: '0861234A',
    });
    expect(parseVector('4|Bernard|Manon|C-0005|0861234A')?.profile).toBe('eleve');
    for (const bad of [
      '',
      '5|A|B|C-1|0861234A',
      '1|A|B|C-1|086',
      '1|A|B|C-1',
      '1||B|C-1|0861234A',
      '1|A|B|C 1|0861234A',
    ])
      expect(parseVector(bad), bad).toBeUndefined();
  });

  it('gives one identity per ATEN account, or none when its vectors disagree', () => {
    expect(atenIdentity(['1|Martin|Claire|C-1|0861234A', '2|Martin|Claire|L-1|0860034C'])).toMatchObject({
      profile: 'responsable_legal',
      vectors: [{ pupilRegistryId: 'C-1' }, { pupilRegistryId: 'L-1' }],
    });
    expect(atenIdentity([])).toBeUndefined();
    expect(atenIdentity(['1|Martin|Claire|C-1|0861234A', '3|Martin|Lucas|C-1|0861234A'])).toBeUndefined();
    expect(atenIdentity(['3|Martin|Lucas|C-1|0861234A', '3|Martin|Lucas|L-1|0860034C'])).toBeUndefined();
    expect(atenIdentity(['1|Martin|Claire|C-1|0861234A', 'n’importe quoi'])).toBeUndefined();
  });
});

describe('ATEN export', () => {
  const header = 'identifiant;mot_de_passe;nom;prenom;FrEduVecteur';
  it('groups the lines of an account and keeps argon2id hashes as they are', () => {
    const parsed = parseAtenExport(
      [
        header,
        'Sophie.Durand;$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA;Durand;Sophie;2|Durand|Sophie|C-1|0861234A',
        'sophie.durand;$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA;Durand;Sophie;2|Durand|Sophie|L-1|0860034C',
      ].join('\n'),
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.accounts).toEqual([
      expect.objectContaining({
        login: 'sophie.durand',
        vectors: ['2|Durand|Sophie|C-1|0861234A', '2|Durand|Sophie|L-1|0860034C'],
      }),
    ]);
  });

  it('lists every bad line with its number and reason, and keeps nothing', () => {
    const parsed = parseAtenExport(
      [
        header,
        'a.b;Secret#1;A;B;1|A|B|C-1|0861234A',
        'a.b;Autre#1;A;B;1|A|B|C-2|0861234A',
        'a.b;Secret#1;A;B;1|A|B|C-1|0861234A',
        'x y;;1;B;1|A|B|C-1|0861234A',
        'trop;de;colonnes;ici;1|A|B|C-1|0861234A;en plus',
      ].join('\n'),
    );
    expect(parsed.accounts).toEqual([]);
    expect(parsed.errors.map((e) => e.line)).toEqual([3, 4, 5, 6]);
    expect(parsed.errors[0]!.reason).toContain('un autre mot de passe ou un autre nom à la ligne 2');
    expect(parsed.errors[1]!.reason).toContain('FrEduVecteur en double');
    expect(parsed.errors[2]!.reason).toContain('identifiant invalide');
    expect(parseAtenExport('login;password\n').errors[0]!.reason).toContain("l'en-tête doit être exactement");
  });
});

describe('ATEN configuration', () => {
  it('is on with the demo directory outside production, off in production unless enabled with the académie’s directory', () => {
    const dev = loadConfig({ DATA_DIR: dir() });
    expect(dev).toMatchObject({
      atenEnabled: true,
      atenDemoDirectory: true,
      atenCasUrl: 'http://localhost:5001',
    });
    expect(loadConfig({ DATA_DIR: dir(), ATEN_DEMO_PORT: '5099' }).atenCasUrl).toBe('http://localhost:5099');
    expect(loadConfig({ DATA_DIR: dir(), ATEN_CAS_URL: 'https://cas.ac-test.fr/cas' })).toMatchObject({
      atenDemoDirectory: false,
      atenCasUrl: 'https://cas.ac-test.fr/cas',
    });
    expect(loadConfig(production({}))).toMatchObject({ atenEnabled: false, atenDemoDirectory: false });
    expect(() => loadConfig(production({ ATEN_ENABLED: 'true' }))).toThrow(
      /ATEN_CAS_URL est obligatoire en production/,
    );
    expect(() =>
      loadConfig(production({ ATEN_ENABLED: 'true', ATEN_CAS_URL: 'http://cas.ac-test.fr/cas' })),
    ).toThrow(/ATEN_CAS_URL doit être une URL https:\/\/ en production/);
    expect(
      loadConfig(production({ ATEN_ENABLED: 'true', ATEN_CAS_URL: 'https://cas.ac-test.fr/cas' }))
        .atenEnabled,
    ).toBe(true);
  });

  it('closes the path at ATEN_CLOSES_AT and refuses dates it cannot read', () => {
    const config = loadConfig({ DATA_DIR: dir(), ATEN_CLOSES_AT: '2027-08-31' });
    expect(atenOpen(config, new Date('2027-08-30T12:00:00Z'))).toBe(true);
    expect(atenOpen(config, new Date('2027-08-31T00:00:01Z'))).toBe(false);
    expect(atenOpen({ ...config, atenEnabled: false }, new Date('2020-01-01'))).toBe(false);
    for (const bad of ['31/08/2027', '2027-02-30', '2027-13-45', 'demain']) {
      try {
        loadConfig({ DATA_DIR: dir(), ATEN_CLOSES_AT: bad });
        expect.unreachable(bad);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems.join()).toContain('ATEN_CLOSES_AT doit être une date');
      }
    }
    expect(() => loadConfig({ DATA_DIR: dir(), ATEN_ENABLED: 'oui' })).toThrow(
      /ATEN_ENABLED doit valoir true ou false/,
    );
  });
});

describe('the demo ATEN directory stays apart', () => {
  it('is imported only by the composition root, the CLI and its own files: no flow reads its tables', () => {
    const files = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
      );
    const importers = files('src').filter(
      (file) =>
        !file.startsWith('src/demo/aten/') &&
        /from '[^']*(demo\/)?aten\/(app|directory|export|seed|server)\.js'/.test(
          readFileSync(join(ROOT, file), 'utf8'),
        ),
    );
    expect(importers.sort()).toEqual(['src/cli/aten-commands.ts', 'src/compose.ts', 'src/demo/demo-data.ts']);
    const flows = files('src/flows').map((file) => readFileSync(join(ROOT, file), 'utf8'));
    expect(flows.filter((source) => /aten_directory_/.test(source))).toEqual([]);
  });
});
