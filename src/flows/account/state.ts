import type { PhoneChangeState } from '../../db/schema.js';

/**
 * A change of mobile number is a small flow of its own (Kratos' settings flow): `code_sent` until
 * the code sent to the new number is entered (`completed`: the account's number changes), or it
 * fails (5 wrong codes, a newer request, the day's guess ceiling). Only `code_sent` accepts input.
 */
export const PHONE_CHANGE_TRANSITIONS: Record<PhoneChangeState, readonly PhoneChangeState[]> = {
  code_sent: ['completed', 'failed'],
  completed: [],
  failed: [],
};

/** A change waits for its code at most this long (the code itself lives SMS_CODE_TTL_SECONDS). */
export const PHONE_CHANGE_TTL_SECONDS = 3600;

/** Wrong « Mot de passe actuel » accepted per account within the window, then a wait. */
export const CURRENT_PASSWORD_WINDOW = { limit: 5, seconds: 900 };
/** Confirmation links sent per account and hour (new addresses and « Renvoyer le mail » together). */
export const EMAIL_REQUEST_WINDOW = { limit: 5, seconds: 3600 };
