/**
 * The password rules, in one place: the server validates with them and the pages list them
 * (and check them live from the same patterns).
 */
// Seed 003's current list (the comma included), in its order. `^` and `€` of the older lists are not
// special characters: `^` is a dead key on French keyboards, `€` absent from many; both stay allowed.
export const SPECIAL_CHARACTERS = '! ? @ # $ ( ) { } [ ] _ . , ; & = + - % * < > £ µ / :';
const specialClass = SPECIAL_CHARACTERS.split(' ')
  .map((c) => c.replace(/[\\\][^-]/g, '\\$&'))
  .join('');

export interface PasswordRule {
  id: string;
  label: string;
  /** Source of a JavaScript regular expression the password must match (unicode flag). */
  pattern: string;
}

export const PASSWORD_RULES: readonly PasswordRule[] = [
  { id: 'upper', label: 'Doit contenir 1 majuscule', pattern: '\\p{Lu}' },
  { id: 'lower', label: 'Doit contenir 1 minuscule', pattern: '\\p{Ll}' },
  { id: 'digit', label: 'Doit contenir 1 chiffre', pattern: '[0-9]' },
  {
    id: 'special',
    label: `Doit contenir 1 caractère spécial parmi ${SPECIAL_CHARACTERS}`,
    pattern: `[${specialClass}]`,
  },
  { id: 'length', label: 'Doit contenir 8 caractères minimum', pattern: '^[\\s\\S]{8,}$' },
];

export const PASSWORD_MAX_LENGTH = 128;

// Words that make up most leaked passwords meeting a composition rule (Azerty123!, Motdepasse1!...).
const COMMON_WORDS = new Set(
  `password passw0rd motdepasse motdepass azerty azertyuiop qwerty qwertyuiop soleil bonjour bonsoir
  educonnect educonect education ecole college lycee marseille paris lyon toulouse nantes lille
  bordeaux france chouchou doudou loulou chocolat princesse nicolas camille julien thomas marine
  louise lucas emma hugo chloe amour jetaime jtm coucou loveyou iloveyou admin administrateur
  welcome bienvenue abcdef abcdefgh abc azer aze qsdf wxcv football olympique om psg naruto pokemon
  dragon monkey master sunshine princess superman batman pass test changeme secret motdepassee
  automne printemps hiver ete janvier fevrier septembre rentree cartable`.split(/\s+/),
);

const COMMON_PASSWORDS = new Set(
  `123456 12345678 123456789 1234567890 password1 azerty123 qwerty123 000000 111111 123123 aaaaaaaa
  abcd1234 a1b2c3d4 p@ssw0rd p@ssword azerty1 motdepasse1`.split(/\s+/),
);

export interface PasswordCheck {
  ok: boolean;
  failed: string[];
  message?: string;
}

/** Returns the rules a password fails and one French message summarising why it is refused. */
export function checkPassword(password: string, context: string[] = []): PasswordCheck {
  if (password.length > PASSWORD_MAX_LENGTH) {
    return {
      ok: false,
      failed: ['length'],
      message: `Le mot de passe doit contenir au plus ${PASSWORD_MAX_LENGTH} caractères.`,
    };
  }
  const failed = PASSWORD_RULES.filter((rule) => !new RegExp(rule.pattern, 'u').test(password)).map(
    (r) => r.id,
  );
  if (failed.length > 0) {
    return { ok: false, failed, message: 'Le mot de passe ne respecte pas toutes les règles indiquées.' };
  }
  const lowered = password.toLowerCase();
  const letters = lowered.normalize('NFD').replace(/[^a-z]/g, '');
  const personal = context
    .map((c) =>
      c
        .normalize('NFD')
        .toLowerCase()
        .replace(/[^a-z]/g, ''),
    )
    .filter((c) => c.length >= 3);
  if (COMMON_PASSWORDS.has(lowered) || COMMON_WORDS.has(letters) || letters.length < 3) {
    return {
      ok: false,
      failed: ['common'],
      message: 'Ce mot de passe est trop courant. Choisissez-en un moins facile à deviner.',
    };
  }
  if (personal.some((p) => letters === p || letters.includes(p))) {
    return {
      ok: false,
      failed: ['personal'],
      message: 'Le mot de passe ne doit pas contenir votre nom, votre prénom ni votre identifiant.',
    };
  }
  return { ok: true, failed: [] };
}

/**
 * The "new password + confirmation" form of every page that sets a password: errors by field name,
 * empty when the password is accepted. `personal`: the person's names, refused inside the password.
 */
export function checkNewPassword(
  password: string,
  confirmation: string,
  personal: string[],
): Record<string, string> {
  const check = checkPassword(password, personal);
  if (!check.ok) return { password: check.message! };
  if (password !== confirmation) return { confirmation: 'Les deux mots de passe ne sont pas identiques.' };
  return {};
}
