import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/database.js';
import type { Account, RecoveryFlow, RecoveryKind } from '../../db/schema.js';
import { findAccountById, setPassword } from '../../domain/accounts/accounts.js';
import type { PasswordHasher } from '../../domain/accounts/password-hasher.js';
import { throttleKey } from '../../domain/accounts/throttle.js';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import { countHit } from '../../domain/rate-limits.js';
import type { SecretBox } from '../../domain/secrets.js';
import { composeEmail, enqueueEmail } from '../../messaging/email.js';
import { enqueueMessage } from '../../messaging/outbox.js';
import { type AccountSessionsDeps, endAccountSessions } from '../../oidc/account-sessions.js';
import { DAY, limitKey, type Refusal, takeSendSlots } from '../activation/limits.js';
import { codeHmac, codeMatches, generateCode } from '../activation/sms.js';
import { skipSms } from '../activation/store.js';
import { afterCode, FLOW_TTL_SECONDS, MAX_CODE_ATTEMPTS, recoveryPath } from './state.js';
import {
  clearLoginThrottle,
  countWrongCode,
  failFlow,
  findRecovery,
  insertRecovery,
  lockRecovery,
  markCodeVerified,
  markCompleted,
  parentByIdentifierAndEmail,
  parentByIdentifierAndMobile,
  parentByNameAndEmail,
  parentByNameAndMobile,
  renewCode,
} from './store.js';

/**
 * « Identifiant oublié » and « Mot de passe oublié » for parents, by SMS to the account's mobile:
 * one `recovery_flows` row per attempt, keyed to the OIDC interaction. The same rows, statements and
 * answers whether or not an account matched (no enumeration); only a match queues an SMS, and only a
 * match's code can verify.
 */
export interface RecoveryDeps extends AccountSessionsDeps {
  db: Db;
  audit: AuditLog;
  config: Config;
  hasher: PasswordHasher;
  /** HMAC key of the codes and of the send-limit keys: the activation's, so that limits are shared. */
  codeSecret: Buffer;
  /** Key of the login throttle rows, cleared by a successful reset. */
  throttleSecret: Buffer;
  messageBox: SecretBox;
  messageQueued: () => void;
}

export function recoveryCodeText(kind: RecoveryKind, code: string, ttlSeconds: number): string {
  const what = kind === 'identifier' ? 'retrouver votre identifiant' : 'changer votre mot de passe';
  return `ÉduConnect : votre code de sécurité pour ${what} est ${code}. Il est valable ${Math.round(ttlSeconds / 60)} min. Ne le communiquez à personne.`;
}

export type RecoveryRequest =
  | { kind: 'identifier'; familyName: string; givenName: string; mobile: string }
  | { kind: 'password'; identifier: string; mobile: string };

export type StartResult = { status: 'started' } | Refusal;

/**
 * Step 1. The same statements run whether or not an account matches; the send limits are those of
 * the activation (same keys for a name and number, same per-address windows), so that asking here
 * gives no extra SMS budget. Only a match queues an SMS.
 */
export async function startRecovery(
  deps: RecoveryDeps,
  interactionUid: string,
  request: RecoveryRequest,
  ip: string,
): Promise<StartResult> {
  const account =
    request.kind === 'identifier'
      ? await parentByNameAndMobile(deps.db, request, request.mobile)
      : await parentByIdentifierAndMobile(deps.db, request.identifier, request.mobile);
  // A password request has no name: the identifier stands for it in the per-number keys.
  const name =
    request.kind === 'identifier'
      ? { familyName: request.familyName, givenName: request.givenName }
      : { familyName: request.identifier, givenName: '' };
  const flowId = randomUUID();
  const code = generateCode();
  const ttl = deps.config.smsCodeTtlSeconds;
  const started = await deps.db.transaction().execute(async (trx): Promise<StartResult> => {
    const refused = await takeSendSlots(deps, trx, {
      ...name,
      mobile: request.mobile,
      ip,
      identityPost: true,
    });
    if (refused) return refused;
    await insertRecovery(trx, {
      id: flowId,
      kind: request.kind,
      channel: 'sms',
      interactionUid,
      typedName: JSON.stringify(name),
      recipient: request.mobile,
      accountId: account?.id ?? null,
      codeHmac: codeHmac(deps.codeSecret, flowId, code),
      codeTtlSeconds: ttl,
      flowTtlSeconds: Math.max(FLOW_TTL_SECONDS, ttl),
    });
    await queueCode(deps, trx, { kind: request.kind, to: request.mobile, send: Boolean(account) }, code);
    await deps.audit.record(
      {
        event: 'recovery.started',
        accountId: account?.id ?? null,
        ip,
        detail: { flowId, kind: request.kind, channel: 'sms', matched: Boolean(account) },
      },
      trx,
    );
    return { status: 'started' };
  });
  if (started.status === 'started' && account) deps.messageQueued();
  return started;
}

/** The SMS with the code; without a match, a statement of the same shape and nothing queued. */
async function queueCode(
  deps: RecoveryDeps,
  trx: Db,
  message: { kind: RecoveryKind; to: string; send: boolean },
  code: string,
): Promise<void> {
  const body = recoveryCodeText(message.kind, code, deps.config.smsCodeTtlSeconds);
  if (message.send) await enqueueMessage(trx, deps.messageBox, { channel: 'sms', to: message.to, body });
  else await skipSms(trx, message.to);
}

function typedName(flow: RecoveryFlow): { familyName: string; givenName: string } {
  try {
    const parsed = JSON.parse(flow.typed_name) as { familyName?: unknown; givenName?: unknown };
    return { familyName: String(parsed.familyName ?? ''), givenName: String(parsed.givenName ?? '') };
  } catch {
    return { familyName: '', givenName: '' };
  }
}

export type CodeResult =
  | { status: 'verified' }
  | { status: 'wrong'; remaining: number }
  | { status: 'expired' }
  | { status: 'too_many' }
  | { status: 'guess_ceiling' }
  | { status: 'ended' };

/**
 * Step 2, with the activation's rules: a wrong code costs one of 5 tries and the 5th ends the flow;
 * resends do not give tries back; wrong codes also count towards the number's daily ceiling, shared
 * with the activation. The right code of a flow that matched nobody does not exist.
 */
export async function verifyRecoveryCode(
  deps: RecoveryDeps,
  flow: RecoveryFlow,
  code: string,
  ip: string,
): Promise<CodeResult> {
  if (flow.state !== 'code_sent') return { status: 'ended' };
  const right = codeMatches(deps.codeSecret, flow.id, code, flow.code_hmac) && flow.account_id !== null;
  const expired = flow.code_expires_at !== null && new Date(flow.code_expires_at).getTime() <= Date.now();
  if (right && !expired) {
    if (!(await markCodeVerified(deps.db, flow.id, afterCode(flow.kind)))) return { status: 'ended' };
    await deps.audit.record({
      event: 'recovery.code_verified',
      accountId: flow.account_id,
      ip,
      detail: { flowId: flow.id, kind: flow.kind },
    });
    return { status: 'verified' };
  }
  if (right && expired) return { status: 'expired' };
  const counted = await deps.db.transaction().execute(async (trx) => {
    const attempts = await countWrongCode(trx, flow.id);
    if (attempts === undefined) return undefined;
    const today = await countHit(trx, limitKey(deps.codeSecret, 'guess', flow.recipient), DAY);
    return { attempts, today };
  });
  if (!counted) return { status: 'ended' };
  if (counted.today > deps.config.smsCodeDailyGuessLimit) {
    await fail(deps, flow, 'code_guesses', ip);
    return { status: 'guess_ceiling' };
  }
  if (counted.attempts >= MAX_CODE_ATTEMPTS) {
    await fail(deps, flow, 'code_attempts', ip);
    return { status: 'too_many' };
  }
  return { status: 'wrong', remaining: MAX_CODE_ATTEMPTS - counted.attempts };
}

async function fail(deps: RecoveryDeps, flow: RecoveryFlow, reason: string, ip: string) {
  await failFlow(deps.db, flow.id, reason);
  await deps.audit.record({
    event: 'recovery.failed',
    accountId: flow.account_id,
    ip,
    detail: { flowId: flow.id, kind: flow.kind, reason },
  });
}

export type ResendResult =
  | { status: 'sent' }
  | { status: 'cooldown'; seconds: number }
  | { status: 'flow_capped' }
  | Refusal
  | { status: 'ended' };

/** « Renvoyer le SMS »: a new code after the cooldown, within the activation's send limits. */
export async function resendRecoveryCode(
  deps: RecoveryDeps,
  flow: RecoveryFlow,
  ip: string,
): Promise<ResendResult> {
  if (flow.state !== 'code_sent') return { status: 'ended' };
  if (flow.sends >= deps.config.smsFlowLimit) return { status: 'flow_capped' };
  const last = flow.last_sent_at ? new Date(flow.last_sent_at).getTime() : 0;
  const wait = Math.ceil((last + deps.config.smsResendCooldownSeconds * 1000 - Date.now()) / 1000);
  if (wait > 0) return { status: 'cooldown', seconds: wait };
  const matched = flow.account_id !== null;
  const code = generateCode();
  const result = await deps.db.transaction().execute(async (trx): Promise<ResendResult> => {
    const refused = await takeSendSlots(deps, trx, {
      ...typedName(flow),
      mobile: flow.recipient,
      ip,
      identityPost: false,
    });
    if (refused) return refused;
    const hmac = codeHmac(deps.codeSecret, flow.id, code);
    if (!(await renewCode(trx, flow, hmac, deps.config.smsCodeTtlSeconds)))
      return { status: 'cooldown', seconds: deps.config.smsResendCooldownSeconds };
    await queueCode(deps, trx, { kind: flow.kind, to: flow.recipient, send: matched }, code);
    return { status: 'sent' };
  });
  if (result.status === 'sent' && matched) deps.messageQueued();
  return result;
}

/** The account a verified flow recovers. */
export async function recoveredAccount(db: Db, flow: RecoveryFlow): Promise<Account | undefined> {
  return flow.account_id ? findAccountById(db, flow.account_id) : undefined;
}

export type ResetResult = { status: 'reset'; account: Account } | { status: 'same' } | { status: 'ended' };

/**
 * Step 3 of « Mot de passe oublié », in ONE transaction: the new password (clearing the temporary
 * flag), the account's login throttle forgotten, the flow completed and `password.reset` audited.
 * The new password may not be the old one.
 */
export async function resetPassword(
  deps: RecoveryDeps,
  flow: RecoveryFlow,
  account: Account,
  password: string,
  ip: string,
): Promise<ResetResult> {
  if (account.password_hash && (await deps.hasher.verify(account.password_hash, password)))
    return { status: 'same' };
  const hash = await deps.hasher.hash(password);
  const result = await deps.db.transaction().execute(async (trx): Promise<ResetResult> => {
    const locked = await lockRecovery(trx, flow.id);
    // By SMS the code was verified first; by email the link is the proof, spent here (single use).
    const waiting = flow.channel === 'email' ? 'code_sent' : 'code_verified';
    if (locked?.state !== waiting || locked.account_id !== account.id || locked.code_hmac !== flow.code_hmac)
      return { status: 'ended' };
    // in the reset's transaction; the temporary-password flag goes with the old password
    await setPassword(trx, account.id, hash);
    await clearLoginThrottle(trx, throttleKey(deps.throttleSecret, 'account', account.identifier));
    await markCompleted(trx, flow.id);
    await deps.audit.record(
      {
        event: 'password.reset',
        accountId: account.id,
        ip,
        detail: { flowId: flow.id, channel: flow.channel },
      },
      trx,
    );
    return { status: 'reset', account };
  });
  // Whoever knew the old password is signed out everywhere: IdP sessions, refresh tokens, and the
  // services that take back-channel logout.
  if (result.status === 'reset') await endAccountSessions(deps, account.id);
  return result;
}

/** Email links are valid 30 minutes (the figure, as for SMS codes by default). */
export const LINK_TTL_SECONDS = 1800;

/** The link's token as stored: an HMAC bound to the flow, so a copied hash opens nothing. */
function linkHmac(secret: Buffer, flowId: string, token: string): string {
  return createHmac('sha256', secret).update(`link:${flowId}:${token}`).digest('base64url');
}

export type EmailRecoveryRequest =
  | { kind: 'identifier'; familyName: string; givenName: string; email: string }
  | { kind: 'password'; identifier: string; email: string };

/**
 * Step 1 by email, for an account whose address is confirmed: the identifier itself (Identifiant
 * oublié), or a single-use link valid 30 minutes (Mot de passe oublié). The same rows, statements
 * and page whether or not an account matched; the send limits are the SMS ones, the address in
 * place of the number.
 */
export async function startEmailRecovery(
  deps: RecoveryDeps,
  interactionUid: string,
  request: EmailRecoveryRequest,
  ip: string,
): Promise<StartResult> {
  const email = request.email.toLowerCase();
  const account =
    request.kind === 'identifier'
      ? await parentByNameAndEmail(deps.db, request, email)
      : await parentByIdentifierAndEmail(deps.db, request.identifier, email);
  const name =
    request.kind === 'identifier'
      ? { familyName: request.familyName, givenName: request.givenName }
      : { familyName: request.identifier, givenName: '' };
  const flowId = randomUUID();
  const token = randomBytes(32).toString('base64url');
  const started = await deps.db.transaction().execute(async (trx): Promise<StartResult> => {
    const refused = await takeSendSlots(deps, trx, {
      ...name,
      mobile: `email:${email}`,
      ip,
      identityPost: true,
    });
    if (refused) return refused;
    await insertRecovery(trx, {
      id: flowId,
      kind: request.kind,
      channel: 'email',
      interactionUid,
      typedName: JSON.stringify(name),
      recipient: email,
      accountId: account?.id ?? null,
      // An identifier sent by email ends the flow: nothing is waited for.
      codeHmac: request.kind === 'password' ? linkHmac(deps.codeSecret, flowId, token) : null,
      codeTtlSeconds: LINK_TTL_SECONDS,
      flowTtlSeconds: Math.max(FLOW_TTL_SECONDS, LINK_TTL_SECONDS),
    });
    if (account)
      await enqueueEmail(
        trx,
        deps.messageBox,
        recoveryEmail(deps, request.kind, account, email, { interactionUid, flowId, token }),
      );
    else await skipSms(trx, email);
    await deps.audit.record(
      {
        event: 'recovery.started',
        accountId: account?.id ?? null,
        ip,
        detail: { flowId, kind: request.kind, channel: 'email', matched: Boolean(account) },
      },
      trx,
    );
    return { status: 'started' };
  });
  if (started.status === 'started' && account) deps.messageQueued();
  return started;
}

/** The email of a recovery: the identifier, or the link to choose a new password. */
function recoveryEmail(
  deps: RecoveryDeps,
  kind: RecoveryKind,
  account: Account,
  to: string,
  link: { interactionUid: string; flowId: string; token: string },
) {
  const ignore = "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.";
  if (kind === 'identifier')
    return composeEmail(to, 'Votre identifiant ÉduConnect', [
      `Vous avez demandé à retrouver votre identifiant ÉduConnect. Votre identifiant est : ${account.identifier}`,
      ignore,
    ]);
  const url = new URL(`${recoveryPath(link.interactionUid, 'password')}/lien`, deps.config.issuer);
  url.searchParams.set('flux', link.flowId);
  url.searchParams.set('jeton', link.token);
  return composeEmail(
    to,
    'Changer votre mot de passe ÉduConnect',
    [
      `Vous avez demandé à changer le mot de passe de votre compte ÉduConnect (identifiant ${account.identifier}). Ce lien est valable ${LINK_TTL_SECONDS / 60} minutes et ne sert qu'une fois.`,
      `${ignore} Votre mot de passe reste inchangé.`,
    ],
    { label: 'Je change mon mot de passe', url: url.toString() },
  );
}

export type LinkState =
  | { status: 'valid'; flow: RecoveryFlow; account: Account }
  | { status: 'invalid'; flow?: RecoveryFlow };

/** Whether an email link opens a password reset: the right token, unused, within its 30 minutes. */
export async function recoveryLinkState(
  deps: RecoveryDeps,
  flowId: string,
  token: string,
): Promise<LinkState> {
  const flow = await findRecovery(deps.db, flowId);
  if (flow?.kind !== 'password' || flow.channel !== 'email') return { status: 'invalid' };
  const given = Buffer.from(linkHmac(deps.codeSecret, flow.id, token));
  const stored = Buffer.from(flow.code_hmac ?? '');
  const right = given.length === stored.length && timingSafeEqual(given, stored);
  const fresh = flow.code_expires_at !== null && new Date(flow.code_expires_at).getTime() > Date.now();
  const account =
    right && fresh && flow.state === 'code_sent' ? await recoveredAccount(deps.db, flow) : undefined;
  return account ? { status: 'valid', flow, account } : { status: 'invalid', flow };
}
