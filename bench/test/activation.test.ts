import { describe, expect, it } from 'vitest';
import { matchName } from '../../src/domain/registry/matching.js';
import { normalizePhone } from '../../src/domain/registry/phone.js';
import { benchParent, codeFromSms, letters } from '../lib/activation.js';

describe('bench activation registry', () => {
  it('gives each parent a distinct name (letters only) and mobile, as the SQL seed does', () => {
    expect(letters(1203)).toBe('bcad');
    const a = benchParent(12);
    const b = benchParent(21);
    expect(matchName(a.familyName, a.givenName)).toBe('bench parentbc');
    expect(matchName(a.familyName, a.givenName)).not.toBe(matchName(b.familyName, b.givenName));
    expect(normalizePhone(a.mobile)).toBe(a.e164);
    expect(a.e164).toBe('+33600000012');
    expect(benchParent(99_999_999).e164).toMatch(/^\+336[0-9]{8}$/);
  });

  it('derives the child birth date like the SQL seed (2010-01-01 + index mod 1000 days)', () => {
    expect(benchParent(1000).birthDate).toEqual({ day: '01', month: '01', year: '2010' });
    expect(benchParent(31).birthDate).toEqual({ day: '01', month: '02', year: '2010' });
  });

  it('reads the code of an activation SMS', () => {
    expect(
      codeFromSms(
        'ÉduConnect : votre code de sécurité est 042917. Il est valable 30 min. Ne le communiquez à personne.',
      ),
    ).toBe('042917');
    expect(() => codeFromSms('ÉduConnect : un compte existe déjà pour ce numéro.')).toThrow();
  });
});
