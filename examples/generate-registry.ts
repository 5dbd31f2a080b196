/**
 * Generates a realistic registry export for load tests: `npx tsx examples/generate-registry.ts 100000 > registre.csv`.
 * About 1.6 lines per pupil (one or two representatives), 1,000 pupils per establishment, phones in
 * the forms schools type them (metropolitan and overseas), dates in both formats.
 */
import { REGISTRY_COLUMNS } from '../src/domain/registry/csv.js';

const FAMILY = [
  'Martin',
  'Bernard',
  'Dubois',
  'Thomas',
  'Robert',
  'Richard',
  'Petit',
  'Durand',
  'Leroy',
  'Moreau',
  'Simon',
  'Laurent',
  'Lefèvre',
  'Michel',
  'Garcia',
  'David',
  'Bertrand',
  'Roux',
  'Vincent',
  'Fournier',
  'Nguyen',
  "D'Arc-Lefèvre",
];
const GIVEN = [
  'Léa',
  'Lucas',
  'Emma',
  'Hugo',
  'Chloé',
  'Louis',
  'Inès',
  'Jules',
  'Manon',
  'Léo',
  'Zoé',
  'Nathan',
  'Camille',
  'Gabriel',
  'Jade',
  'Arthur',
];
const ADULTS = [
  'Claire',
  'Sophie',
  'Jean-Marc',
  'Nadia',
  'Karim',
  'Isabelle',
  'Thierry',
  'Aurélie',
  'Paul',
  'Thi',
];
const LEVELS = ['6EME', '5EME', '4EME', '3EME', '2NDE', '1ERE', 'TLE'];

function phone(n: number): string {
  const digits = String(n % 100_000_000).padStart(8, '0');
  const pairs = digits.match(/../g)!.join(' ');
  switch (n % 10) {
    case 0:
      return `0696 ${digits.slice(2, 4)} ${digits.slice(4, 6)} ${digits.slice(6)}`;
    case 1:
      return `+33 6 ${pairs}`;
    case 2:
      return `07${digits}`;
    default:
      return `06 ${pairs}`;
  }
}

export function generateRegistryCsv(lineCount: number, seed = 0): string {
  const out = [REGISTRY_COLUMNS.join(';')];
  let pupil = 0;
  let representative = 0;
  while (out.length - 1 < lineCount) {
    pupil++;
    const establishment = Math.floor(pupil / 1000);
    const uai = `${String(870_0000 + establishment).padStart(7, '0')}${String.fromCharCode(65 + (establishment % 26))}`;
    const name = establishment % 3 === 0 ? `Lycée n°${establishment}` : `Collège n°${establishment}`;
    const family = FAMILY[pupil % FAMILY.length]!;
    const year = 2008 + (pupil % 8);
    const date =
      pupil % 2
        ? `${String((pupil % 28) + 1).padStart(2, '0')}/${String((pupil % 12) + 1).padStart(2, '0')}/${year}`
        : `${year}-${String((pupil % 12) + 1).padStart(2, '0')}-${String((pupil % 28) + 1).padStart(2, '0')}`;
    const pupilCols = [
      uai,
      name,
      `S${seed}-E${pupil}`,
      family,
      GIVEN[pupil % GIVEN.length]!,
      date,
      LEVELS[pupil % LEVELS.length]!,
    ];
    const parents = pupil % 5 === 0 ? 1 : 2;
    for (let p = 0; p < parents && out.length - 1 < lineCount; p++) {
      representative++;
      out.push(
        [
          ...pupilCols,
          `S${seed}-R${representative}`,
          family,
          ADULTS[representative % ADULTS.length]!,
          phone(seed * 1_000_000 + representative),
          representative % 4 === 0 ? `parent${representative}@example.fr` : '',
        ].join(';'),
      );
    }
  }
  return `${out.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(generateRegistryCsv(Number(process.argv[2] ?? 100_000)));
}
