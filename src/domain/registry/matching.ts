import { foldName } from '../accounts/identifier.js';

/**
 * The key representatives are matched on: family and given names folded (case, accents, hyphens,
 * apostrophes and spaces ignored), family name first. Stored in `representatives.match_name`.
 */
export function matchName(familyName: string, givenName: string): string {
  return `${foldName(familyName)} ${foldName(givenName)}`;
}

/** Whether two spellings of a person's name are the same for matching. */
export function sameName(
  a: { familyName: string; givenName: string },
  b: { familyName: string; givenName: string },
): boolean {
  return matchName(a.familyName, a.givenName) === matchName(b.familyName, b.givenName);
}
