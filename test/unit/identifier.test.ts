import { describe, expect, it } from 'vitest';
import {
  foldName,
  IDENTIFIER_PATTERN,
  identifierBase,
  identifierCandidates,
} from '../../src/domain/accounts/identifier.js';

describe('identifiers', () => {
  it('folds accents, hyphens, apostrophes, spaces and ligatures', () => {
    expect(foldName('Éloïse')).toBe('eloise');
    expect(foldName("D'Arc-Lefèvre")).toBe('darclefevre');
    expect(foldName('  Le Bœuf ')).toBe('leboeuf');
    expect(foldName('Nguyễn')).toBe('nguyen');
  });

  it('builds first letter, dot, family name', () => {
    expect(identifierBase('Jean', 'Dupond')).toBe('j.dupond');
    expect(identifierBase('Élodie', "N'Diaye-Sow")).toBe('e.ndiayesow');
    expect(identifierBase('Anne', 'De La Fontaine-Montgolfier-Saint-Exupéry')).toBe('a.delafontainemontgolf');
  });

  it('refuses names without letters', () => {
    expect(() => identifierBase('---', 'Dupond')).toThrow();
    expect(() => identifierBase('Jean', '123')).toThrow();
  });

  it('tries two random digits first, then more digits on collisions', () => {
    let n = 0;
    const sequence = [...identifierCandidates('Jean', 'Dupond', () => n++ % 3)];
    expect(sequence[0]).toBe('j.dupond10');
    expect(sequence.slice(0, 8).every((id) => /^j\.dupond\d{2}$/.test(id))).toBe(true);
    expect(sequence[8]).toMatch(/^j\.dupond\d{3}$/);
    expect(sequence.every((id) => IDENTIFIER_PATTERN.test(id))).toBe(true);
    expect(new Set(sequence.map((id) => id.length)).size).toBeGreaterThan(3);
  });
});
