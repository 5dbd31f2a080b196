import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { composeEmail, enqueueEmail } from '../../messaging/email.js';
import type { SecretBox } from '../secrets.js';

/** The path of a confirmation link, under the issuer; the account flow serves it. */
export const EMAIL_CONFIRMATION_PATH = '/courriel/confirmer';

/** The token travels in the link only; the database keeps its SHA-256 (32 random bytes need no slow hash). */
export function emailTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export interface EmailConfirmationRequest {
  accountId: string;
  /** Already normalised (see normaliseEmail). */
  email: string;
  /** Public URL of the identity provider: the link is `${issuer}/courriel/confirmer/<token>`. */
  issuer: string;
  ttlHours: number;
}

/**
 * Writes a single-use confirmation token for `email` and queues the French email carrying its link.
 * Links sent earlier to this account stop working (only the latest request counts). Call it with the
 * caller's transaction so that the token and the email are kept or lost together; wake the outbox
 * dispatcher after the commit.
 */
export async function requestEmailConfirmation(
  db: Db,
  box: SecretBox,
  request: EmailConfirmationRequest,
): Promise<{ expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + request.ttlHours * 3600 * 1000);
  await db
    .updateTable('email_confirmations')
    .set({ expires_at: sql<Date>`least(expires_at, now())` })
    .where('account_id', '=', request.accountId)
    .where('used_at', 'is', null)
    .execute();
  await db
    .insertInto('email_confirmations')
    .values({
      account_id: request.accountId,
      email: request.email,
      token_hash: emailTokenHash(token),
      expires_at: expiresAt,
    })
    .execute();
  const url = `${request.issuer}${EMAIL_CONFIRMATION_PATH}/${token}`;
  const validity = request.ttlHours === 1 ? '1 heure' : `${request.ttlHours} heures`;
  await enqueueEmail(
    db,
    box,
    composeEmail(
      request.email,
      'ÉduConnect : confirmez votre adresse électronique',
      [
        `Pour utiliser cette adresse électronique avec votre compte ÉduConnect, ouvrez le lien ci-dessous puis cliquez sur « Confirmer mon adresse électronique ». Ce lien est valable ${validity} et ne sert qu'une fois.`,
        "Tant qu'elle n'est pas confirmée, cette adresse n'est pas utilisée : ni transmise aux services, ni utilisée pour récupérer votre compte.",
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre compte n'est pas modifié.",
      ],
      { label: 'Confirmer mon adresse électronique', url },
    ),
  );
  return { expiresAt };
}

export type EmailConfirmationResult =
  | { ok: true; accountId: string; email: string; previousEmail: string | null }
  | { ok: false; reason: 'unknown' | 'expired' | 'used' };

/**
 * Opens a confirmation link: in ONE transaction, the token is consumed and the account's address
 * set and marked verified. A token used, expired or superseded changes nothing.
 */
export async function confirmEmail(db: Db, token: string): Promise<EmailConfirmationResult> {
  if (!/^[A-Za-z0-9_-]{43,128}$/.test(token)) return { ok: false, reason: 'unknown' };
  return db.transaction().execute(async (trx): Promise<EmailConfirmationResult> => {
    const row = await trx
      .selectFrom('email_confirmations')
      .select(['id', 'account_id', 'email', 'used_at', sql<boolean>`expires_at <= now()`.as('expired')])
      .where('token_hash', '=', emailTokenHash(token))
      .forUpdate()
      .executeTakeFirst();
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.used_at) return { ok: false, reason: 'used' };
    if (row.expired) return { ok: false, reason: 'expired' };
    const account = await trx
      .selectFrom('accounts')
      .select(['email'])
      .where('id', '=', row.account_id)
      .forUpdate()
      .executeTakeFirst();
    if (!account) return { ok: false, reason: 'unknown' };
    await trx
      .updateTable('email_confirmations')
      .set({ used_at: sql<Date>`now()` })
      .where('id', '=', row.id)
      .execute();
    await trx
      .updateTable('accounts')
      .set({ email: row.email, email_verified: true, updated_at: sql<Date>`now()` })
      .where('id', '=', row.account_id)
      .execute();
    return { ok: true, accountId: row.account_id, email: row.email, previousEmail: account.email };
  });
}

/** What a link would do if confirmed now, without consuming it (the GET page of the link). */
export async function emailLinkState(
  db: Db,
  token: string,
): Promise<'valid' | 'unknown' | 'expired' | 'used'> {
  if (!/^[A-Za-z0-9_-]{43,128}$/.test(token)) return 'unknown';
  const row = await db
    .selectFrom('email_confirmations')
    .select(['used_at', sql<boolean>`expires_at <= now()`.as('expired')])
    .where('token_hash', '=', emailTokenHash(token))
    .executeTakeFirst();
  if (!row) return 'unknown';
  if (row.used_at) return 'used';
  return row.expired ? 'expired' : 'valid';
}

/** The address waiting for confirmation on this account (latest link still valid), if any. */
export async function pendingEmailConfirmation(
  db: Db,
  accountId: string,
): Promise<{ email: string; createdAt: Date; expiresAt: Date } | undefined> {
  const row = await db
    .selectFrom('email_confirmations')
    .select(['email', 'created_at', 'expires_at'])
    .where('account_id', '=', accountId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row
    ? { email: row.email, createdAt: new Date(row.created_at), expiresAt: new Date(row.expires_at) }
    : undefined;
}

/** Housekeeping: links used or expired more than a day ago. */
export async function purgeEmailConfirmations(db: Db): Promise<void> {
  await db
    .deleteFrom('email_confirmations')
    .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
    .execute();
}
