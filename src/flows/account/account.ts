import { createHmac, randomUUID } from 'node:crypto';
import type { Account } from '../../db/schema.js';
import { setPassword } from '../../domain/accounts/accounts.js';
import {
  pendingEmailConfirmation,
  requestEmailConfirmation,
} from '../../domain/accounts/email-confirmation.js';
import { countHit, takeHit } from '../../domain/rate-limits.js';
import type { SecretBox } from '../../domain/secrets.js';
import { composeEmail, enqueueEmail } from '../../messaging/email.js';
import { enqueueMessage } from '../../messaging/outbox.js';
import { notifyEndedSessions, revokeAccountSessions } from '../../oidc/account-sessions.js';
import { DAY, limitKey, type Refusal, takeSendSlots } from '../activation/limits.js';
import { codeHmac, codeMatches, codeText, generateCode } from '../activation/sms.js';
import { MAX_CODE_ATTEMPTS } from '../activation/state.js';
import type { Services } from '../services.js';
import { CURRENT_PASSWORD_WINDOW, EMAIL_REQUEST_WINDOW, PHONE_CHANGE_TTL_SECONDS } from './state.js';
import {
  countWrongPhoneCode,
  endPhoneChange,
  insertPhoneChange,
  renewPhoneCode,
  setAccountPhone,
} from './store.js';

/** What the account flow is built from (compose.ts). */
export interface AccountDeps {
  services: Services;
  /** Seals outgoing SMS and emails in the outbox. */
  messages: SecretBox;
  /** Wakes the outbox dispatcher once a message is committed. */
  messageQueued: () => void;
  /** HMAC key of SMS codes and of the rate-limit keys (the activation's). */
  codeSecret: Buffer;
}

const accountKey = (deps: AccountDeps, kind: string, accountId: string) =>
  `${kind}:${createHmac('sha256', deps.codeSecret).update(accountId).digest('base64url').slice(0, 32)}`;

export type PasswordChangeResult =
  | { status: 'changed' }
  | { status: 'wrong_current' }
  | { status: 'throttled'; retryAfterSeconds: number };

/**
 * « Changer mon mot de passe »: the current password checked (5 wrong ones per 15 min, then a
 * wait), the new hash, the end of the account's other sessions and of its refresh tokens, and the
 * audit event, in one transaction; the services of the ended sessions are told afterwards.
 * An account without a password (FranceConnect) sets one without a current password.
 */
export async function changePassword(
  deps: AccountDeps,
  account: Account,
  passwords: { current: string; next: string },
  context: { sessionUid: string; ip: string },
): Promise<PasswordChangeResult> {
  const { db, hasher, audit } = deps.services;
  if (account.password_hash) {
    const hit = await takeHit(db, accountKey(deps, 'account-password', account.id), CURRENT_PASSWORD_WINDOW);
    if (!hit.taken) return { status: 'throttled', retryAfterSeconds: hit.retryAfterSeconds };
    if (!(await hasher.verify(account.password_hash, passwords.current))) {
      await audit.record({ event: 'password.change_refused', accountId: account.id, ip: context.ip });
      return { status: 'wrong_current' };
    }
  }
  const hash = await hasher.hash(passwords.next);
  const ended = await db.transaction().execute(async (trx) => {
    await setPassword(trx, account.id, hash);
    const ended = await revokeAccountSessions(trx, account.id, { keepSessionUid: context.sessionUid });
    await audit.record(
      {
        event: 'password.changed',
        accountId: account.id,
        ip: context.ip,
        detail: { reason: account.password_hash ? 'account' : 'first', endedSessions: ended.length },
      },
      trx,
    );
    return ended;
  });
  await notifyEndedSessions(deps.services, account.id, ended);
  return { status: 'changed' };
}

export type EmailRequestResult =
  | { status: 'sent'; email: string }
  | { status: 'same' }
  | { status: 'cooldown'; seconds: number }
  | { status: 'nothing_pending' }
  | { status: 'throttled'; retryAfterSeconds: number };

/**
 * A new address (or « Renvoyer le mail » for the pending one): a confirmation link to it, and, when
 * the account already has a confirmed address, a notice to that one — all in one transaction.
 */
export async function requestEmailChange(
  deps: AccountDeps,
  account: Account,
  email: string | 'resend',
  ip: string,
): Promise<EmailRequestResult> {
  const { db, config, audit } = deps.services;
  let target = email;
  if (email === 'resend') {
    const pending = await pendingEmailConfirmation(db, account.id);
    if (!pending) return { status: 'nothing_pending' };
    const wait = Math.ceil(
      (pending.createdAt.getTime() + config.emailResendCooldownSeconds * 1000 - Date.now()) / 1000,
    );
    if (wait > 0) return { status: 'cooldown', seconds: wait };
    target = pending.email;
  } else if (account.email_verified && account.email === email) return { status: 'same' };
  const result = await db.transaction().execute(async (trx): Promise<EmailRequestResult> => {
    const hit = await takeHit(trx, accountKey(deps, 'account-email', account.id), EMAIL_REQUEST_WINDOW);
    if (!hit.taken) return { status: 'throttled', retryAfterSeconds: hit.retryAfterSeconds };
    await requestEmailConfirmation(trx, deps.messages, {
      accountId: account.id,
      email: target,
      issuer: config.issuer,
      ttlHours: config.emailConfirmationTtlHours,
    });
    if (email !== 'resend' && account.email_verified && account.email && account.email !== target)
      await enqueueEmail(
        trx,
        deps.messages,
        composeEmail(account.email, 'ÉduConnect : changement de votre adresse électronique', [
          `Une nouvelle adresse électronique a été demandée pour le compte ÉduConnect ${account.identifier}. Elle remplacera celle-ci dès qu'elle aura été confirmée par le lien qui lui a été envoyé.`,
          "Si vous n'êtes pas à l'origine de cette demande, changez votre mot de passe depuis « Mon compte » et contactez l'établissement scolaire.",
        ]),
      );
    await audit.record(
      {
        event: 'account.email_requested',
        accountId: account.id,
        ip,
        detail: { resend: email === 'resend', replacing: Boolean(account.email_verified && account.email) },
      },
      trx,
    );
    return { status: 'sent', email: target };
  });
  if (result.status === 'sent') deps.messageQueued();
  return result;
}

export type PhoneStartResult = { status: 'sent' } | { status: 'same' } | Refusal;

/** A new number: a code to it (the activation's code, limits and texts); the number changes later. */
export async function startPhoneChange(
  deps: AccountDeps,
  account: Account,
  mobile: string,
  ip: string,
): Promise<PhoneStartResult> {
  if (account.phone === mobile) return { status: 'same' };
  const { db, config, audit } = deps.services;
  const id = randomUUID();
  const code = generateCode();
  const result = await db.transaction().execute(async (trx): Promise<PhoneStartResult> => {
    const refused = await takeSendSlots({ config, codeSecret: deps.codeSecret }, trx, {
      mobile,
      familyName: account.family_name,
      givenName: account.given_name,
      ip,
      identityPost: false,
    });
    if (refused) return refused;
    await insertPhoneChange(trx, {
      id,
      accountId: account.id,
      mobile,
      codeHmac: codeHmac(deps.codeSecret, id, code),
      codeTtlSeconds: config.smsCodeTtlSeconds,
      ttlSeconds: Math.max(PHONE_CHANGE_TTL_SECONDS, config.smsCodeTtlSeconds),
    });
    await enqueueMessage(trx, deps.messages, {
      channel: 'sms',
      to: mobile,
      body: codeText(code, config.smsCodeTtlSeconds),
    });
    await audit.record(
      { event: 'account.phone_code_sent', accountId: account.id, ip, detail: { changeId: id } },
      trx,
    );
    return { status: 'sent' };
  });
  if (result.status === 'sent') deps.messageQueued();
  return result;
}

export type PhoneCodeResult =
  | { status: 'changed' }
  | { status: 'wrong'; remaining: number }
  | { status: 'expired' }
  | { status: 'ended' };

/** The code of the new number: 5 tries, the per-number daily guess ceiling, then the change ends. */
export async function verifyPhoneCode(
  deps: AccountDeps,
  account: Account,
  change: { id: string; mobile: string; code_hmac: string; code_expires_at: Date },
  code: string,
  ip: string,
): Promise<PhoneCodeResult> {
  const { db, config, audit } = deps.services;
  const right = codeMatches(deps.codeSecret, change.id, code, change.code_hmac);
  const expired = new Date(change.code_expires_at).getTime() <= Date.now();
  if (right && expired) return { status: 'expired' };
  if (right) {
    const changed = await db.transaction().execute(async (trx) => {
      if (!(await endPhoneChange(trx, change.id, 'completed'))) return false;
      await setAccountPhone(trx, account.id, change.mobile);
      await audit.record(
        { event: 'account.phone_changed', accountId: account.id, ip, detail: { changeId: change.id } },
        trx,
      );
      return true;
    });
    return changed ? { status: 'changed' } : { status: 'ended' };
  }
  const counted = await db.transaction().execute(async (trx) => {
    const attempts = await countWrongPhoneCode(trx, change.id);
    if (attempts === undefined) return undefined;
    const today = await countHit(trx, limitKey(deps.codeSecret, 'guess', change.mobile), DAY);
    return { attempts, today };
  });
  if (!counted) return { status: 'ended' };
  if (counted.attempts >= MAX_CODE_ATTEMPTS || counted.today > config.smsCodeDailyGuessLimit) {
    await endPhoneChange(db, change.id, 'failed');
    return { status: 'ended' };
  }
  return { status: 'wrong', remaining: MAX_CODE_ATTEMPTS - counted.attempts };
}

export type PhoneResendResult =
  | { status: 'sent' }
  | { status: 'cooldown'; seconds: number }
  | { status: 'flow_capped' }
  | Refusal;

/** « Renvoyer le SMS »: after the cooldown, within SMS_FLOW_LIMIT sends and the number's limits. */
export async function resendPhoneCode(
  deps: AccountDeps,
  account: Account,
  change: { id: string; mobile: string; sends: number; last_sent_at: Date },
  ip: string,
): Promise<PhoneResendResult> {
  const { db, config } = deps.services;
  if (change.sends >= config.smsFlowLimit) return { status: 'flow_capped' };
  const wait = Math.ceil(
    (new Date(change.last_sent_at).getTime() + config.smsResendCooldownSeconds * 1000 - Date.now()) / 1000,
  );
  if (wait > 0) return { status: 'cooldown', seconds: wait };
  const code = generateCode();
  const result = await db.transaction().execute(async (trx): Promise<PhoneResendResult> => {
    const refused = await takeSendSlots({ config, codeSecret: deps.codeSecret }, trx, {
      mobile: change.mobile,
      familyName: account.family_name,
      givenName: account.given_name,
      ip,
      identityPost: false,
    });
    if (refused) return refused;
    if (
      !(await renewPhoneCode(
        trx,
        change.id,
        codeHmac(deps.codeSecret, change.id, code),
        config.smsCodeTtlSeconds,
      ))
    )
      return { status: 'cooldown', seconds: config.smsResendCooldownSeconds };
    await enqueueMessage(trx, deps.messages, {
      channel: 'sms',
      to: change.mobile,
      body: codeText(code, config.smsCodeTtlSeconds),
    });
    return { status: 'sent' };
  });
  if (result.status === 'sent') deps.messageQueued();
  return result;
}
