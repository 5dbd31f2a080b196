import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * French overseas numbers written the French way (`0696 12 34 56`): the first four digits tell the
 * territory, whose country code replaces the leading 0 (`+596 696 12 34 56`). Saint-Pierre-et-Miquelon
 * numbers are 6 digits after `0508`.
 */
const OVERSEAS_PREFIXES: Record<string, { country: CountryCode; callingCode: string; dropPrefix?: boolean }> =
  {
    '0590': { country: 'GP', callingCode: '590' }, // Guadeloupe, Saint-Martin, Saint-Barthélemy
    '0690': { country: 'GP', callingCode: '590' },
    '0691': { country: 'GP', callingCode: '590' },
    '0594': { country: 'GF', callingCode: '594' }, // Guyane
    '0694': { country: 'GF', callingCode: '594' },
    '0596': { country: 'MQ', callingCode: '596' }, // Martinique
    '0696': { country: 'MQ', callingCode: '596' },
    '0697': { country: 'MQ', callingCode: '596' },
    '0262': { country: 'RE', callingCode: '262' }, // La Réunion
    '0263': { country: 'RE', callingCode: '262' },
    '0692': { country: 'RE', callingCode: '262' },
    '0693': { country: 'RE', callingCode: '262' },
    '0269': { country: 'YT', callingCode: '262' }, // Mayotte
    '0639': { country: 'YT', callingCode: '262' },
    '0508': { country: 'PM', callingCode: '508', dropPrefix: true }, // Saint-Pierre-et-Miquelon
  };

/** The territories above by calling code, to fix `+33 696…` typed for a Martinique number. */
function overseasFromNational(tenDigits: string): string | undefined {
  const entry = OVERSEAS_PREFIXES[tenDigits.slice(0, 4)];
  if (!entry) return undefined;
  const national = entry.dropPrefix ? tenDigits.slice(4) : tenDigits.slice(1);
  const parsed = parsePhoneNumberFromString(`+${entry.callingCode}${national}`);
  return parsed?.isPossible() ? parsed.number : undefined;
}

/**
 * A phone number as a school or a parent typed it (`06 12 34 56 78`, `0612345678`, `+33 6…`,
 * `0033 6…`, `0696 12 34 56`, `+596 696…`) in E.164 (`+33612345678`), or undefined when it is not a
 * valid number.
 */
export function normalizePhone(input: string): string | undefined {
  let compact = input.trim().replace(/[\s.\-/()\u00a0]/g, '');
  if (!compact) return undefined;
  if (compact.startsWith('00')) compact = `+${compact.slice(2)}`;
  if (!/^\+?[0-9]{6,15}$/.test(compact)) return undefined;
  if (compact.startsWith('+33')) {
    // "+33 (0)6…" and "+33 696…" (an overseas number with the metropolitan code).
    const rest = compact.slice(3).replace(/^0/, '');
    if (rest.length === 9) {
      const overseas = overseasFromNational(`0${rest}`);
      if (overseas) return overseas;
    }
    compact = `+33${rest}`;
    if (/^\+33[67][0-9]{8}$/.test(compact)) return compact;
  }
  if (!compact.startsWith('+')) {
    if (/^[67][0-9]{8}$/.test(compact)) compact = `0${compact}`; // typed after a "+33" shown beside the field
    if (/^0[0-9]{9}$/.test(compact)) {
      const overseas = overseasFromNational(compact);
      if (overseas) return overseas;
      // Metropolitan mobiles (06, 07) are most of a registry: no need for the full parser.
      if (/^0[67]/.test(compact)) return `+33${compact.slice(1)}`;
    }
    const parsed = parsePhoneNumberFromString(compact, 'FR');
    return parsed?.isValid() ? parsed.number : undefined;
  }
  const parsed = parsePhoneNumberFromString(compact);
  if (!parsed) return undefined;
  if (parsed.isValid()) return parsed.number;
  // Overseas territories share calling codes (+262 Réunion/Mayotte, +590...): possible is enough there.
  const overseasCodes = new Set(Object.values(OVERSEAS_PREFIXES).map((e) => e.callingCode));
  return overseasCodes.has(parsed.countryCallingCode) && parsed.isPossible() ? parsed.number : undefined;
}

/** `+33 6 •• •• •• 78`: enough for the person to recognise their number, not enough to learn it. */
export function maskPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  const international = parsed ? parsed.formatInternational() : e164;
  const [code, ...groups] = international.split(' ');
  const national = groups.join(' ');
  const digits = national.replace(/[^0-9]/g, '').length;
  let seen = 0;
  const masked = national.replace(/[0-9]/g, (d) => {
    seen++;
    return seen === 1 || seen > digits - 2 ? d : '•';
  });
  return `${code} ${masked}`.trim();
}

/** `+33 6 12 34 56 78`: a stored number as the person typed it back into a form. */
export function formatPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}
