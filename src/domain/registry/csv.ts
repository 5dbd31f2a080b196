import { type Options, parse } from 'csv-parse/sync';
import type { EstablishmentKind } from '../../db/schema.js';
import { foldName } from '../accounts/identifier.js';
import { normalizePhone } from './phone.js';

export const REGISTRY_COLUMNS = [
  'uai',
  'etablissement',
  'eleve_id',
  'eleve_nom',
  'eleve_prenom',
  'eleve_date_naissance',
  'eleve_niveau',
  'resp_id',
  'resp_nom',
  'resp_prenom',
  'resp_telephone',
  'resp_email',
] as const;

export interface RegistryLine {
  line: number;
  uai: string;
  establishmentName: string;
  establishmentKind: EstablishmentKind;
  pupil: {
    registryId: string;
    familyName: string;
    givenName: string;
    birthDate: string;
    level: string | null;
  };
  representative: {
    registryId: string;
    familyName: string;
    givenName: string;
    mobile: string | null;
    email: string | null;
  } | null;
}

export interface LineError {
  line: number;
  reason: string;
}

export interface ParsedRegistry {
  /** Set when the file was read as Windows-1252 (see decodeRegistryFile). */
  encoding?: 'windows-1252';
  lines: RegistryLine[];
  errors: LineError[];
}

const UAI = /^[0-9]{7}[A-Z]$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LETTER = /\p{L}/u;

/** `JJ/MM/AAAA` or `AAAA-MM-JJ` -> `AAAA-MM-JJ`, only for a real calendar date in a plausible range. */
export function parseRegistryDate(value: string, today = new Date()): string | undefined {
  const french = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const [year, month, day] = french
    ? [Number(french[3]), Number(french[2]), Number(french[1])]
    : iso
      ? [Number(iso[1]), Number(iso[2]), Number(iso[3])]
      : [Number.NaN, Number.NaN, Number.NaN];
  if (!Number.isInteger(year)) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return undefined;
  if (year < 1900 || date.getTime() > today.getTime()) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** SIECLE/ONDE exports carry no establishment type: it is read from the name. */
export function establishmentKind(name: string): EstablishmentKind {
  const folded = foldName(name.split(/\s+/).slice(0, 3).join(''));
  if (folded.includes('lycee') || folded.startsWith('lp') || folded.startsWith('lgt')) return 'lycee';
  if (folded.startsWith('ecole') || folded.includes('groupescolaire')) return 'ecole';
  return 'college';
}

function name(value: string, label: string, reasons: string[]): string {
  if (!value) reasons.push(`${label} est vide`);
  else if (value.length > 100) reasons.push(`${label} dépasse 100 caractères`);
  else if (!LETTER.test(value)) reasons.push(`${label} ne contient aucune lettre (« ${value} »)`);
  return value;
}

function id(value: string, label: string, reasons: string[]): string {
  if (!value) reasons.push(`${label} est vide`);
  else if (value.length > 64 || !/^[\p{L}\p{N}._:-]+$/u.test(value))
    reasons.push(`${label} est invalide (« ${value.slice(0, 70)} »)`);
  return value;
}

/** How to turn an Excel file into what the import reads, for the message of a file that is not UTF-8. */
export const SAVE_AS_UTF8 =
  'enregistrez-le en UTF-8 : dans Excel, « Fichier » > « Enregistrer sous » > type « CSV UTF-8 (délimité par des virgules) » ; dans LibreOffice, « Enregistrer sous » > « Texte CSV » > jeu de caractères « Unicode (UTF-8) »';

/** Bytes that Windows-1252 leaves undefined: a file holding one is not Windows-1252 either. */
const CP1252_UNDEFINED = /[\x81\x8d\x8f\x90\x9d]/;
/** A UTF-8 multi-byte sequence, read byte per character (latin1). */
const UTF8_SEQUENCE = /[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}/;

/**
 * The file's text. UTF-8 (with or without BOM) is the format; a Windows-1252 file (Excel's « CSV
 * (séparateur : point-virgule) » on a French Windows) is decoded as such when that is unambiguous:
 * not UTF-8, yet holding no UTF-8 sequence (a file of both was edited by two tools: no guess) and no
 * byte Windows-1252 leaves undefined. Otherwise one message for the whole file says how to save it.
 */
export function decodeRegistryFile(
  content: Buffer,
): { text: string; encoding?: 'windows-1252' } | { error: string } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(content) };
  } catch {
    const bytes = content.toString('latin1');
    if (!UTF8_SEQUENCE.test(bytes) && !CP1252_UNDEFINED.test(bytes))
      return { text: new TextDecoder('windows-1252').decode(content), encoding: 'windows-1252' };
    return { error: `le fichier n'est pas encodé en UTF-8 : ${SAVE_AS_UTF8}` };
  }
}

/**
 * Parses and validates a registry CSV export (UTF-8, with or without BOM, `;` or `,` separator).
 * Every line is checked; the result carries every error with its line number, or the lines.
 */
export function parseRegistryCsv(content: Buffer | string, today = new Date()): ParsedRegistry {
  const decoded = typeof content === 'string' ? { text: content } : decodeRegistryFile(content);
  if ('error' in decoded) return { lines: [], errors: [{ line: 0, reason: decoded.error }] };
  const text = decoded.text.replace(/^\uFEFF/, '');
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = firstLine.includes(';') ? ';' : ',';
  const header = firstLine.split(delimiter).map((h) => h.trim().toLowerCase());
  if (header.join(';') !== REGISTRY_COLUMNS.join(';')) {
    return {
      lines: [],
      errors: [{ line: 1, reason: `l'en-tête doit être exactement : ${REGISTRY_COLUMNS.join(';')}` }],
    };
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    const options: Options = {
      delimiter,
      from_line: 2,
      skip_empty_lines: true,
      relax_column_count: true,
      // Cheaper than `info: true` (which copies the parser state for every record).
      // The line number rides along as the record's last field (cheaper than `info: true`).
      on_record: (record: string[], context) => [
        ...record.map((field) => field.trim()),
        String(context.lines),
      ],
    };
    records = (parse(text, options) as string[][]).map((fields) => ({
      record: fields.slice(0, -1),
      info: { lines: Number(fields[fields.length - 1]) },
    }));
  } catch (error) {
    const err = error as { lines?: number; message: string };
    return {
      lines: [],
      errors: [{ line: err.lines ?? 0, reason: `fichier CSV illisible (${err.message})` }],
    };
  }

  const lines: RegistryLine[] = [];
  const errors: LineError[] = [];
  const establishments = new Map<string, { name: string; line: number }>();
  const pupils = new Map<string, { key: string; line: number }>();
  const representatives = new Map<string, { key: string; line: number }>();
  const links = new Map<string, number>();

  for (const { record, info } of records) {
    // info.lines is where the record ends; a quoted field may span lines.
    const line = info.lines - (record.join('').match(/\n/g)?.length ?? 0);
    const reasons: string[] = [];
    if (record.length !== REGISTRY_COLUMNS.length) {
      errors.push({
        line,
        reason: `${record.length} colonnes au lieu de ${REGISTRY_COLUMNS.length}`,
      });
      continue;
    }
    const [
      uaiRaw,
      etab,
      eleveId,
      eleveNom,
      elevePrenom,
      eleveDate,
      niveau,
      respId,
      respNom,
      respPrenom,
      respTel,
      respEmail,
    ] = record as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (record.some((v) => v.includes('\uFFFD'))) reasons.push("le texte n'est pas encodé en UTF-8");
    const uai = uaiRaw.toUpperCase();
    if (!UAI.test(uai)) reasons.push(`UAI invalide (« ${uaiRaw} », attendu 7 chiffres et une lettre)`);
    if (!etab) reasons.push("le nom de l'établissement est vide");
    else if (etab.length > 200) reasons.push("le nom de l'établissement dépasse 200 caractères");
    const establishmentValid = reasons.length === 0;
    let mark = reasons.length;
    id(eleveId, "l'identifiant de l'élève", reasons);
    name(eleveNom, "le nom de l'élève", reasons);
    name(elevePrenom, "le prénom de l'élève", reasons);
    const birthDate = parseRegistryDate(eleveDate, today);
    if (!birthDate)
      reasons.push(`date de naissance invalide (« ${eleveDate} », attendu JJ/MM/AAAA ou AAAA-MM-JJ)`);
    if (niveau.length > 32) reasons.push('le niveau dépasse 32 caractères');
    const pupilValid = reasons.length === mark;

    let representative: RegistryLine['representative'] = null;
    const anyResp = [respId, respNom, respPrenom, respTel, respEmail].some(Boolean);
    mark = reasons.length;
    if (anyResp) {
      id(respId, "l'identifiant du représentant", reasons);
      name(respNom, 'le nom du représentant', reasons);
      name(respPrenom, 'le prénom du représentant', reasons);
      let mobile: string | null = null;
      if (respTel) {
        mobile = normalizePhone(respTel) ?? null;
        if (!mobile) reasons.push(`numéro de téléphone invalide (« ${respTel} »)`);
      }
      if (respEmail && (respEmail.length > 254 || !EMAIL.test(respEmail)))
        reasons.push(`adresse électronique invalide (« ${respEmail} »)`);
      representative = {
        registryId: respId,
        familyName: respNom,
        givenName: respPrenom,
        mobile,
        email: respEmail ? respEmail.toLowerCase() : null,
      };
    }
    const representativeValid = reasons.length === mark;

    // Consistency with the other lines, for each part of this line that is itself valid (even when
    // another part is not), so that one run lists every problem of the file.
    const establishment = establishmentValid ? establishments.get(uai) : undefined;
    if (establishment && establishment.name !== etab)
      reasons.push(
        `l'établissement ${uai} porte un autre nom ligne ${establishment.line} (« ${establishment.name} »)`,
      );
    const pupilKey = [uai, eleveNom, elevePrenom, birthDate, niveau].join('\u0000');
    const pupil = establishmentValid && pupilValid ? pupils.get(eleveId) : undefined;
    if (pupil && pupil.key !== pupilKey)
      reasons.push(`l'élève ${eleveId} apparaît avec d'autres informations ligne ${pupil.line}`);
    if (representative && representativeValid) {
      const respKey = [respNom, respPrenom, representative.mobile, representative.email].join('\u0000');
      const known = representatives.get(respId);
      if (known && known.key !== respKey)
        reasons.push(`le représentant ${respId} apparaît avec d'autres informations ligne ${known.line}`);
      if (!known) representatives.set(respId, { key: respKey, line });
    }
    if (representative && eleveId && respId) {
      const linkKey = `${eleveId}\u0000${respId}`;
      const duplicate = links.get(linkKey);
      if (duplicate !== undefined) reasons.push(`lien élève-représentant déjà présent ligne ${duplicate}`);
      else links.set(linkKey, line);
    }
    if (establishmentValid && !establishments.has(uai)) establishments.set(uai, { name: etab, line });
    if (establishmentValid && pupilValid && !pupils.has(eleveId))
      pupils.set(eleveId, { key: pupilKey, line });
    if (reasons.length > 0) {
      errors.push({ line, reason: reasons.join(' ; ') });
      continue;
    }
    lines.push({
      line,
      uai,
      establishmentName: etab,
      establishmentKind: establishmentKind(etab),
      pupil: {
        registryId: eleveId,
        familyName: eleveNom,
        givenName: elevePrenom,
        birthDate: birthDate!,
        level: niveau || null,
      },
      representative,
    });
  }
  if (records.length === 0 && errors.length === 0)
    errors.push({ line: 2, reason: 'le fichier ne contient aucune ligne' });
  return decoded.encoding ? { lines, errors, encoding: decoded.encoding } : { lines, errors };
}
