/** Lowercase ASCII letters only: accents folded, hyphens, apostrophes and spaces dropped. */
export function foldName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[æÆ]/g, 'ae')
    .replace(/[œŒ]/g, 'oe')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

const MAX_FAMILY_LENGTH = 20;

/** `j.dupond`: first letter of the given name, a dot, the family name (folded, at most 20 letters). */
export function identifierBase(givenName: string, familyName: string): string {
  const given = foldName(givenName);
  const family = foldName(familyName).slice(0, MAX_FAMILY_LENGTH);
  if (!given || !family) throw new Error('Le nom et le prénom doivent contenir au moins une lettre.');
  return `${given[0]}.${family}`;
}

/**
 * Candidate identifiers in the order they are tried: two random digits first (`j.dupond25`), then
 * three, then four... `random(n)` returns an integer in [0, n).
 */
export function* identifierCandidates(
  givenName: string,
  familyName: string,
  random: (n: number) => number,
): Generator<string> {
  const base = identifierBase(givenName, familyName);
  for (let digits = 2; digits <= 9; digits++) {
    const low = 10 ** (digits - 1);
    const attempts = digits === 2 ? 8 : 4;
    for (let i = 0; i < attempts; i++) yield `${base}${low + random(9 * low)}`;
  }
}

export const IDENTIFIER_PATTERN = /^[a-z]\.[a-z]{1,20}[0-9]{2,9}$/;
