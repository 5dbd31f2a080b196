import { type Options, parse } from 'csv-parse/sync';
import { parseVector } from '../../domain/aten/vector.js';

/**
 * A legacy ATEN directory export, as `educonnect aten import` reads it: UTF-8 CSV (`;` or `,`), one
 * line per FrEduVecteur value, an account spanning as many lines as it has vectors:
 * `identifiant;mot_de_passe;nom;prenom;FrEduVecteur`. `mot_de_passe` is the directory's argon2id
 * hash (`$argon2id$…`), or for development and test directories the password itself, hashed on import.
 */
export const ATEN_EXPORT_COLUMNS = ['identifiant', 'mot_de_passe', 'nom', 'prenom', 'freduvecteur'] as const;

export interface AtenExportAccount {
  login: string;
  /** An argon2id hash, or a password to hash (see `isPasswordHash`). */
  password: string;
  familyName: string;
  givenName: string;
  vectors: string[];
}

export interface AtenExportError {
  line: number;
  reason: string;
}

const LOGIN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const LETTER = /\p{L}/u;

export function isPasswordHash(value: string): boolean {
  return value.startsWith('$argon2id$');
}

/** Every account of the export, or every bad line with its number and reason. */
export function parseAtenExport(content: Buffer | string): {
  accounts: AtenExportAccount[];
  errors: AtenExportError[];
} {
  const text = (typeof content === 'string' ? content : content.toString('utf8')).replace(/^\uFEFF/, '');
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = firstLine.includes(';') ? ';' : ',';
  const header = firstLine.split(delimiter).map((h) => h.trim().toLowerCase());
  if (header.join(';') !== ATEN_EXPORT_COLUMNS.join(';'))
    return {
      accounts: [],
      errors: [{ line: 1, reason: `l'en-tête doit être exactement : ${ATEN_EXPORT_COLUMNS.join(';')}` }],
    };
  let records: string[][];
  try {
    const options: Options = {
      delimiter,
      from_line: 2,
      skip_empty_lines: true,
      relax_column_count: true,
      on_record: (record: string[], context) => [...record.map((f) => f.trim()), String(context.lines)],
    };
    records = parse(text, options) as string[][];
  } catch (error) {
    return {
      accounts: [],
      errors: [{ line: 0, reason: `fichier CSV illisible (${(error as Error).message})` }],
    };
  }
  const accounts = new Map<string, AtenExportAccount & { line: number }>();
  const errors: AtenExportError[] = [];
  for (const fields of records) {
    const line = Number(fields[fields.length - 1]);
    const values = fields.slice(0, -1);
    if (values.length !== ATEN_EXPORT_COLUMNS.length) {
      errors.push({
        line,
        reason: `${ATEN_EXPORT_COLUMNS.length} colonnes attendues, ${values.length} trouvées`,
      });
      continue;
    }
    const [rawLogin, password, familyName, givenName, vector] = values as [
      string,
      string,
      string,
      string,
      string,
    ];
    const login = rawLogin.toLowerCase();
    const reasons: string[] = [];
    if (!LOGIN.test(login)) reasons.push(`identifiant invalide (« ${rawLogin} »)`);
    if (!password) reasons.push('mot de passe manquant');
    else if (password.length > 200) reasons.push('mot de passe trop long');
    if (!LETTER.test(familyName) || familyName.length > 100) reasons.push(`nom invalide (« ${familyName} »)`);
    if (!LETTER.test(givenName) || givenName.length > 100) reasons.push(`prénom invalide (« ${givenName} »)`);
    if (!parseVector(vector))
      reasons.push(`FrEduVecteur invalide (« ${vector} », attendu profil|nom|prénom|eleveId|UAI)`);
    if (reasons.length > 0) {
      errors.push({ line, reason: reasons.join(', ') });
      continue;
    }
    const known = accounts.get(login);
    if (!known) {
      accounts.set(login, { login, password, familyName, givenName, vectors: [vector], line });
    } else if (
      known.password !== password ||
      known.familyName !== familyName ||
      known.givenName !== givenName
    ) {
      errors.push({
        line,
        reason: `l'identifiant ${login} a un autre mot de passe ou un autre nom à la ligne ${known.line}`,
      });
    } else if (known.vectors.includes(vector)) {
      errors.push({ line, reason: `FrEduVecteur en double pour ${login} (ligne ${known.line})` });
    } else {
      known.vectors.push(vector);
    }
  }
  return { accounts: errors.length > 0 ? [] : [...accounts.values()].map(({ line: _, ...a }) => a), errors };
}
