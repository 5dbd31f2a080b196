import { describe, expect, it } from 'vitest';
import {
  establishmentKind,
  parseRegistryCsv,
  parseRegistryDate,
  REGISTRY_COLUMNS,
} from '../../src/domain/registry/csv.js';
import { matchName, sameName } from '../../src/domain/registry/matching.js';
import { maskPhone, normalizePhone } from '../../src/domain/registry/phone.js';
import type { PupilChoice } from '../../src/domain/registry/registry.js';
import { checkPupilAnswers } from '../../src/flows/pupil-binding/pupil-answers.js';

const HEADER = REGISTRY_COLUMNS.join(';');
const GOOD =
  '0861234A;Collège Jean Moulin;E1;Martin;Lucas;14/03/2011;4EME;R1;Martin;Claire;06 12 34 56 78;c@example.fr';

describe('name matching', () => {
  it('ignores case, accents, hyphens, apostrophes and spaces', () => {
    expect(matchName('Lefèvre', 'Jean-Marc')).toBe(matchName('LEFEVRE', 'jean marc'));
    expect(matchName("D'Arc-Lefèvre", 'Zoé')).toBe(matchName('darc lefevre', 'ZOE'));
    expect(
      sameName({ familyName: 'Nguyễn', givenName: 'Thị' }, { familyName: 'NGUYEN', givenName: 'Thi' }),
    ).toBe(true);
    expect(matchName('Œuvray', 'Anaïs')).toBe(matchName('oeuvray', 'anais'));
  });

  it('keeps family and given names apart and different people different', () => {
    expect(matchName('Martin', 'Claire')).not.toBe(matchName('Claire', 'Martin'));
    expect(
      sameName({ familyName: 'Martin', givenName: 'Claire' }, { familyName: 'Martin', givenName: 'Clara' }),
    ).toBe(false);
  });
});

describe('phone normalisation', () => {
  it.each([
    ['06 12 34 56 78', '+33612345678'],
    ['0612345678', '+33612345678'],
    ['06.12.34.56.78', '+33612345678'],
    ['+33 6 12 34 56 78', '+33612345678'],
    ['+33 (0)6 12 34 56 78', '+33612345678'],
    ['0033612345678', '+33612345678'],
    ['6 12 34 56 78', '+33612345678'],
    ['07 12 34 56 78', '+33712345678'],
    ['01 23 45 67 89', '+33123456789'],
  ])('metropolitan %s -> %s', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it.each([
    ['0590 12 34 56', '+590590123456', 'Guadeloupe'],
    ['0690 12 34 56', '+590690123456', 'Guadeloupe mobile'],
    ['0594 12 34 56', '+594594123456', 'Guyane'],
    ['0694 12 34 56', '+594694123456', 'Guyane mobile'],
    ['0596 12 34 56', '+596596123456', 'Martinique'],
    ['0696 12 34 56', '+596696123456', 'Martinique mobile'],
    ['0262 12 34 56', '+262262123456', 'La Réunion'],
    ['0692 12 34 56', '+262692123456', 'La Réunion mobile'],
    ['0693 12 34 56', '+262693123456', 'La Réunion mobile'],
    ['0269 61 23 45', '+262269612345', 'Mayotte'],
    ['0639 01 23 45', '+262639012345', 'Mayotte mobile'],
    ['0508 55 12 34', '+508551234', 'Saint-Pierre-et-Miquelon'],
    ['+596 696 12 34 56', '+596696123456', 'with the regional code'],
    ['+262 693 12 34 56', '+262693123456', 'with the regional code'],
    ['+33 6 96 12 34 56', '+596696123456', 'overseas number typed with +33'],
  ])('overseas %s -> %s (%s)', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it.each(['', 'abc', '06 12 34', '06 12 34 56 78 90 12', '+33 0', '12345', '06-12-34-56-7x'])(
    'refuses %j',
    (input) => {
      expect(normalizePhone(input)).toBeUndefined();
    },
  );

  it('masks all but the first national digit and the last two', () => {
    expect(maskPhone('+33612345678')).toBe('+33 6 •• •• •• 78');
    expect(maskPhone('+596696123456')).toBe('+596 6•• •• •• 56');
  });
});

describe('registry CSV validation', () => {
  const today = new Date('2026-01-15T00:00:00Z');
  const parse = (...lines: string[]) => parseRegistryCsv(Buffer.from([HEADER, ...lines].join('\n')), today);

  it('reads a good file with BOM, both date formats and a pupil without representative', () => {
    const result = parseRegistryCsv(
      Buffer.from(
        `\uFEFF${HEADER}\r\n${GOOD}\r\n0861234A;Collège Jean Moulin;E2;Durand;Léo;2012-05-10;;;;;;\r\n`,
      ),
      today,
    );
    expect(result.errors).toEqual([]);
    expect(result.lines).toHaveLength(2);
    expect(result.lines[0]).toMatchObject({
      line: 2,
      uai: '0861234A',
      establishmentKind: 'college',
      pupil: { registryId: 'E1', birthDate: '2011-03-14', level: '4EME' },
      representative: { registryId: 'R1', mobile: '+33612345678', email: 'c@example.fr' },
    });
    expect(result.lines[1]).toMatchObject({
      pupil: { birthDate: '2012-05-10', level: null },
      representative: null,
    });
  });

  it('accepts a comma separator when the header uses it, with quoted fields', () => {
    const result = parseRegistryCsv(
      `${REGISTRY_COLUMNS.join(',')}\n0860034C,"Lycée Camille Guérin, Poitiers",L1,Martin,Emma,05/09/2008,1ERE,R1,Martin,Claire,+33 6 12 34 56 01,`,
      today,
    );
    expect(result.errors).toEqual([]);
    expect(result.lines[0]).toMatchObject({
      establishmentName: 'Lycée Camille Guérin, Poitiers',
      establishmentKind: 'lycee',
    });
  });

  it('refuses a wrong header', () => {
    const result = parseRegistryCsv('uai;nom\n0861234A;x', today);
    expect(result.lines).toEqual([]);
    expect(result.errors).toEqual([
      { line: 1, reason: expect.stringContaining("l'en-tête doit être exactement") },
    ]);
  });

  it('reports every bad line with its number and reason', () => {
    const result = parse(
      GOOD,
      '086123A;Collège Jean Moulin;E2;Durand;Léo;10/05/2012;;;;;;',
      '0861234A;Collège Jean Moulin;E3;;Léo;10/05/2012;;;;;;',
      '0861234A;Collège Jean Moulin;E4;Durand;Léo;31/02/2012;;;;;;',
      '0861234A;Collège Jean Moulin;E5;Durand;Léo;10/05/2030;;;;;;',
      '0861234A;Collège Jean Moulin;E6;Durand;Léo;10/05/2012;;R6;Durand;Sophie;06 12;',
      '0861234A;Collège Jean Moulin;E7;Durand;Léo;10/05/2012;;R7;Durand;Sophie;0612345678;pas-un-mail',
      '0861234A;Collège Jean Moulin;E8;Durand;Léo;10/05/2012;;;Durand;Sophie;0612345678;',
      '0861234A;Collège Jean Moulin;E9;Durand',
      '0861234A;Autre nom;E10;Durand;Léo;10/05/2012;;;;;;',
      '0861234A;Collège Jean Moulin;E1;Martin;Lucas;15/03/2011;4EME;;;;;',
      '0861234A;Collège Jean Moulin;E11;Martin;Jules;15/03/2011;4EME;R1;Martin;Claire;06 12 34 56 99;c@example.fr',
      GOOD,
      '0861234A;Collège Jean Moulin;E12;1234;Léo;10/05/2012;;;;;;',
    );
    expect(result.errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const reasons = result.errors.map((e) => e.reason);
    expect(reasons[0]).toContain('UAI invalide');
    expect(reasons[1]).toContain("le nom de l'élève est vide");
    expect(reasons[2]).toContain('date de naissance invalide');
    expect(reasons[3]).toContain('date de naissance invalide');
    expect(reasons[4]).toContain('numéro de téléphone invalide');
    expect(reasons[5]).toContain('adresse électronique invalide');
    expect(reasons[6]).toContain("l'identifiant du représentant est vide");
    expect(reasons[7]).toContain('4 colonnes au lieu de 12');
    expect(reasons[8]).toContain('porte un autre nom ligne 2');
    expect(reasons[9]).toContain("l'élève E1 apparaît avec d'autres informations ligne 2");
    expect(reasons[10]).toContain('le représentant R1 apparaît avec d');
    expect(reasons[11]).toContain('lien élève-représentant déjà présent ligne 2');
    expect(reasons[12]).toContain('ne contient aucune lettre');
  });

  it('refuses an empty file and a file that is not UTF-8 (nor plainly Windows-1252), reads a Windows-1252 one', () => {
    expect(parse().errors[0]?.reason).toContain('aucune ligne');
    const latin1 = Buffer.concat([
      Buffer.from(`${HEADER}\n0861234A;Coll`),
      Buffer.from([0xe8]),
      Buffer.from('ge;E1;Martin;Lucas;14/03/2011;;;;;;'),
    ]);
    // An Excel export on a French Windows: decoded, and said so.
    const cp1252 = parseRegistryCsv(latin1, today);
    expect(cp1252).toMatchObject({ encoding: 'windows-1252', errors: [] });
    expect(cp1252.lines[0]?.establishmentName).toBe('Collège');
    // UTF-8 and Windows-1252 in one file: no guess, one message for the whole file.
    const mixed = Buffer.concat([latin1, Buffer.from('\n0861234A;Collège;E2;Martin;Léa;14/03/2011;;;;;;')]);
    expect(parseRegistryCsv(mixed, today).errors).toEqual([
      {
        line: 0,
        reason: expect.stringContaining("le fichier n'est pas encodé en UTF-8 : enregistrez-le en UTF-8"),
      },
    ]);
  });

  it('parses dates strictly and reads the establishment type from its name', () => {
    expect(parseRegistryDate('1/2/2010', today)).toBe('2010-02-01');
    expect(parseRegistryDate('2010-02-29', today)).toBeUndefined();
    expect(parseRegistryDate('2012-02-29', today)).toBe('2012-02-29');
    expect(parseRegistryDate('14.03.2011', today)).toBeUndefined();
    expect(establishmentKind('Lycée Camille Guérin')).toBe('lycee');
    expect(establishmentKind('LP Réaumur')).toBe('lycee');
    expect(establishmentKind('École élémentaire Jules Ferry')).toBe('ecole');
    expect(establishmentKind('Collège Jean Moulin')).toBe('college');
  });
});

describe('pupil answers', () => {
  const pupil = (id: string, birthDate: string): PupilChoice => ({
    id,
    registryId: id,
    familyName: 'Durand',
    givenName: id,
    birthDate,
    establishmentName: 'Collège',
    establishmentKind: 'college',
    representativeId: 'r',
  });
  const pupils = [pupil('a', '2012-05-10'), pupil('b', '2008-09-21')];

  it('confirms right dates, reports "je ne suis pas", counts wrong dates', () => {
    const check = checkPupilAnswers(
      pupils,
      new Map([
        ['a', { link: 'oui', day: '10', month: '5', year: '2012' }],
        ['b', { link: 'non', day: '', month: '', year: '' }],
      ] as const),
      true,
    );
    expect(check.errors).toEqual({});
    expect(check.confirmed.map((p) => p.id)).toEqual(['a']);
    expect(check.reported.map((p) => p.id)).toEqual(['b']);

    const wrong = checkPupilAnswers(
      pupils,
      new Map([
        ['a', { link: 'oui', day: '11', month: '05', year: '2012' }],
        ['b', { link: 'oui', day: '31', month: '02', year: '2008' }],
      ] as const),
      true,
    );
    expect(wrong.wrongDates).toBe(1);
    expect(Object.keys(wrong.errors)).toEqual(['naissance-a-jour', 'naissance-b-jour']);
  });

  it('asks for an answer per pupil and at least one confirmed pupil at activation', () => {
    const none = checkPupilAnswers(pupils, new Map(), true);
    expect(Object.keys(none.errors)).toEqual(['lien-a', 'lien-b']);
    const allReported = new Map([
      ['a', { link: 'non', day: '', month: '', year: '' }],
      ['b', { link: 'non', day: '', month: '', year: '' }],
    ] as const);
    expect(checkPupilAnswers(pupils, allReported, true).errors['lien-a']).toContain('sans au moins un élève');
    expect(checkPupilAnswers(pupils, allReported, false).errors).toEqual({});
  });
});
