import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { generateSecret, generateURI, verify } from 'otplib';
import type { Db } from '../../db/database.js';
import type { StaffAccount, StaffSessionStage } from '../../db/schema.js';
import { generateTemporaryPassword, isUniqueViolation } from '../accounts/accounts.js';
import type { PasswordHasher } from '../accounts/password-hasher.js';
import type { SecretBox } from '../secrets.js';

/** Staff members of establishments: they sign in to the school console with a password and a TOTP. */
export const STAFF_IDENTIFIER = /^[a-z0-9][a-z0-9._-]{2,63}$/;
export const UAI_PATTERN = /^[0-9]{7}[A-Z]$/;
/** Wrong second-factor codes accepted per sign-in before it has to start again. */
export const MAX_TOTP_FAILURES = 5;

export class StaffError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StaffError';
  }
}

const totpContext = (identifier: string) => `staff-totp:${identifier}`;

export interface CreatedStaff {
  id: string;
  identifier: string;
  displayName: string;
  establishments: string[];
  /** Shown once: only its argon2id hash is kept. */
  password: string;
  /** Base32 TOTP secret and its otpauth:// URI, for the authenticator app (shown once). */
  totpSecret: string;
  otpauthUri: string;
}

/** Creates a staff account bound to establishments of the registry (all or nothing, one transaction). */
export async function createStaff(
  db: Db,
  hasher: PasswordHasher,
  box: SecretBox,
  input: { identifier: string; displayName: string; uais: string[] },
): Promise<CreatedStaff> {
  const identifier = input.identifier.trim().toLowerCase();
  if (!STAFF_IDENTIFIER.test(identifier))
    throw new StaffError(
      "L'identifiant doit faire 3 à 64 caractères : lettres minuscules, chiffres, point, tiret ou tiret bas",
    );
  const displayName = input.displayName.trim();
  if (!displayName || displayName.length > 100 || !/\p{L}/u.test(displayName))
    throw new StaffError('Le nom affiché est obligatoire (100 caractères au plus)');
  const uais = [...new Set(input.uais.map((u) => u.trim().toUpperCase()))];
  if (uais.length === 0) throw new StaffError('Indiquez au moins un établissement (--uai)');
  const malformed = uais.filter((u) => !UAI_PATTERN.test(u));
  if (malformed.length > 0)
    throw new StaffError(`UAI invalide : ${malformed.join(', ')} (7 chiffres et une lettre)`);
  const known = await db.selectFrom('establishments').select('uai').where('uai', 'in', uais).execute();
  const unknown = uais.filter((u) => !known.some((k) => k.uai === u));
  if (unknown.length > 0)
    throw new StaffError(`Établissement absent du registre : ${unknown.join(', ')} (importez-le d'abord)`);

  const password = generateTemporaryPassword();
  const passwordHash = await hasher.hash(password);
  const totpSecret = generateSecret();
  try {
    const id = await db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('staff_accounts')
        .values({
          identifier,
          display_name: displayName,
          password_hash: passwordHash,
          totp_secret_sealed: box.seal(totpSecret, totpContext(identifier)),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('staff_establishments')
        .values(uais.map((uai) => ({ staff_id: row.id, uai })))
        .execute();
      return row.id;
    });
    return {
      id,
      identifier,
      displayName,
      establishments: uais,
      password,
      totpSecret,
      otpauthUri: generateURI({ issuer: 'ÉduConnect établissement', label: identifier, secret: totpSecret }),
    };
  } catch (error) {
    if (isUniqueViolation(error)) throw new StaffError(`L'identifiant ${identifier} est déjà utilisé`);
    throw error;
  }
}

export function findStaffByIdentifier(db: Db, identifier: string): Promise<StaffAccount | undefined> {
  return db
    .selectFrom('staff_accounts')
    .selectAll()
    .where('identifier', '=', identifier.trim().toLowerCase())
    .executeTakeFirst();
}

/** Password check costing one argon2id verify whether or not the identifier exists. */
export async function checkStaffPassword(
  hasher: PasswordHasher,
  staff: StaffAccount | undefined,
  password: string,
): Promise<boolean> {
  if (!staff) {
    await hasher.verifyDummy(password);
    return false;
  }
  return hasher.verify(staff.password_hash, password);
}

/**
 * Verifies a TOTP code (±1 step of clock drift) and records its time step, so that the same code
 * cannot be replayed: the update only succeeds for a step later than the last accepted one.
 */
export async function verifyStaffTotp(
  db: Db,
  box: SecretBox,
  staff: StaffAccount,
  code: string,
): Promise<boolean> {
  if (!/^[0-9]{6}$/.test(code)) return false;
  const secret = box.open(staff.totp_secret_sealed, totpContext(staff.identifier));
  const last = staff.totp_last_step === null ? undefined : Number(staff.totp_last_step);
  const now = Math.floor(Date.now() / 1000);
  const result = await verify({ secret, token: code, epoch: now, epochTolerance: 30, afterTimeStep: last });
  if (!result.valid) return false;
  const timeStep = Math.floor(now / 30) + result.delta;
  const updated = await db
    .updateTable('staff_accounts')
    .set({ totp_last_step: timeStep, last_login_at: sql`now()` })
    .where('id', '=', staff.id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', String(timeStep))]))
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

export function establishmentsOfStaff(db: Db, staffId: string) {
  return db
    .selectFrom('staff_establishments as s')
    .innerJoin('establishments as e', 'e.uai', 's.uai')
    .select(['e.uai', 'e.name', 'e.kind', 'e.town'])
    .where('s.staff_id', '=', staffId)
    .orderBy('e.name')
    .execute();
}

export async function staffMayActOn(db: Db, staffId: string, uai: string): Promise<boolean> {
  if (!UAI_PATTERN.test(uai)) return false;
  const row = await db
    .selectFrom('staff_establishments')
    .select('uai')
    .where('staff_id', '=', staffId)
    .where('uai', '=', uai)
    .executeTakeFirst();
  return Boolean(row);
}

/** Sessions: the cookie holds a random token, the table its SHA-256 only. */
const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export interface StaffSession {
  tokenHash: string;
  stage: StaffSessionStage;
  totpFailures: number;
  staff: StaffAccount;
}

/** A new session; the second factor turns it into an `active` one under a new token (no fixation). */
export async function openStaffSession(
  db: Db,
  staffId: string,
  lifetimeMinutes: number,
  stage: StaffSessionStage = 'password',
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('staff_sessions')
    .values({
      token_hash: hashToken(token),
      staff_id: staffId,
      stage,
      expires_at: sql<Date>`now() + make_interval(mins => ${lifetimeMinutes})`,
    })
    .execute();
  return token;
}

export async function loadStaffSession(db: Db, token: string | undefined): Promise<StaffSession | undefined> {
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const row = await db
    .selectFrom('staff_sessions as s')
    .innerJoin('staff_accounts as a', 'a.id', 's.staff_id')
    .selectAll('a')
    .select(['s.token_hash', 's.stage', 's.totp_failures'])
    .where('s.token_hash', '=', hashToken(token))
    .where('s.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  if (!row) return undefined;
  const { token_hash, stage, totp_failures, ...staff } = row;
  return { tokenHash: token_hash, stage, totpFailures: totp_failures, staff };
}

/** Counts a wrong code; returns the failures so far. */
export async function countTotpFailure(db: Db, tokenHash: string): Promise<number> {
  const row = await db
    .updateTable('staff_sessions')
    .set((eb) => ({ totp_failures: eb('totp_failures', '+', 1) }))
    .where('token_hash', '=', tokenHash)
    .returning('totp_failures')
    .executeTakeFirst();
  return row?.totp_failures ?? MAX_TOTP_FAILURES;
}

export async function closeStaffSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('staff_sessions').where('token_hash', '=', tokenHash).execute();
}

export async function purgeStaffSessions(db: Db): Promise<void> {
  await db.deleteFrom('staff_sessions').where('expires_at', '<', sql<Date>`now()`).execute();
}

/** Seconds until the first of these login throttle keys is released; 0 when none is blocked. */
export async function throttleWait(db: Db, keys: string[]): Promise<number> {
  const row = await db
    .selectFrom('login_throttle')
    .select(sql<number>`ceil(extract(epoch from max(blocked_until) - now()))`.as('wait'))
    .where('key', 'in', keys)
    .where('blocked_until', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return Math.max(0, Number(row?.wait ?? 0));
}
