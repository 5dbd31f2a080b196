import { randomUUID } from 'node:crypto';
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/database.js';
import type { Account, FlowType, RegistryFlow } from '../../db/schema.js';
import { insertAccountWithIdentifier } from '../../domain/accounts/accounts.js';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import { countHit } from '../../domain/rate-limits.js';
import {
  findRepresentatives,
  type PupilChoice,
  pupilsOfRepresentatives,
  type RepresentativeMatch,
  recordPupilAnswers,
} from '../../domain/registry/registry.js';
import type { SecretBox } from '../../domain/secrets.js';
import { enqueueMessage } from '../../messaging/outbox.js';
import {
  checkPupilAnswers,
  MAX_BIRTH_DATE_FAILURES,
  type PupilAnswer,
  type PupilAnswersCheck,
} from '../pupil-binding/pupil-answers.js';
import { DAY, limitKey, type Refusal, takeSendSlots } from './limits.js';
import { codeHmac, codeMatches, codeText, generateCode, identifierText } from './sms.js';
import { FLOW_TTL_SECONDS, MAX_CODE_ATTEMPTS } from './state.js';
import {
  countWrongBirthDates,
  countWrongCode,
  failFlow,
  identifierOf,
  insertActivation,
  lockActivation,
  lockRepresentatives,
  markCodeVerified,
  markCompleted,
  renewCode,
  representativeIds,
  skipSms,
  storePasswordHash,
} from './store.js';

/**
 * Parent self-activation by SMS as an explicit flow (Ory Kratos style): one `registry_flows` row per
 * attempt, keyed to the OIDC interaction, moving through the states of state.ts. Nothing here creates
 * an account before `completeActivation`.
 */
export interface ActivationDeps {
  db: Db;
  audit: AuditLog;
  config: Config;
  /** HMAC key of SMS codes and of the rate-limit keys (numbers, names, addresses). */
  codeSecret: Buffer;
  /** Seals the SMS texts in the outbox (they carry codes). */
  messageBox: SecretBox;
  /** Wakes the outbox dispatcher after a message was committed. */
  messageQueued: () => void;
}

/**
 * The SMS for this flow: a code, or the identifier when the person already has an account. Without a
 * match (`send: false`) the same two statements run and nothing is queued, so that a match does not
 * take measurably longer than a miss.
 */
async function queueSms(
  deps: ActivationDeps,
  trx: Db,
  flow: { mobile: string; existingAccountId: string | null; send: boolean },
  code: string,
) {
  const identifier = await identifierOf(trx, flow.existingAccountId);
  if (!flow.send) return skipSms(trx, flow.mobile);
  await enqueueMessage(trx, deps.messageBox, {
    channel: 'sms',
    to: flow.mobile,
    body: identifier ? identifierText(identifier) : codeText(code, deps.config.smsCodeTtlSeconds),
  });
}

export type StartResult = { status: 'started'; flowId: string } | Refusal;

/**
 * Step 1. Whether or not the identity and phone match a registry representative, the same rows are
 * written and the same answer given (no enumeration); only a match queues an SMS.
 */
export async function startActivation(
  deps: ActivationDeps,
  interactionUid: string,
  identity: { familyName: string; givenName: string; mobile: string },
  ip: string,
): Promise<StartResult> {
  const representatives = await findRepresentatives(deps.db, identity);
  return startSmsFlow(deps, { type: 'activation', interactionUid, identity, representatives, ip });
}

export interface SmsFlowStart {
  type: Extract<FlowType, 'activation' | 'franceconnect'>;
  interactionUid: string;
  identity: { familyName: string; givenName: string; mobile: string };
  /** The registry rows that matched the identity and phone (none: the same pages, no SMS). */
  representatives: RepresentativeMatch[];
  ip: string;
}

/**
 * The start of a flow confirmed by an SMS code against the registry (activation, FranceConnect's
 * first login), under the same send limits. An activation whose representative already has an account
 * sends the identifier instead of a code; a FranceConnect flow always sends a code, since it links
 * that account.
 */
export async function startSmsFlow(deps: ActivationDeps, start: SmsFlowStart): Promise<StartResult> {
  const { type, interactionUid, identity, representatives, ip } = start;
  const matched = representatives.length > 0;
  const existingAccountId =
    type === 'activation' ? (representatives.find((r) => r.accountId)?.accountId ?? null) : null;
  const flowId = randomUUID();
  const code = generateCode();
  const ttl = deps.config.smsCodeTtlSeconds;
  const started = await deps.db.transaction().execute(async (trx): Promise<StartResult> => {
    const refused = await takeSendSlots(deps, trx, { ...identity, ip, identityPost: true });
    if (refused) return refused;
    await insertActivation(trx, {
      id: flowId,
      type,
      interactionUid,
      ...identity,
      representativeIds: representatives.map((r) => r.id),
      existingAccountId,
      codeHmac: codeHmac(deps.codeSecret, flowId, code),
      codeTtlSeconds: ttl,
      flowTtlSeconds: Math.max(FLOW_TTL_SECONDS, ttl),
    });
    await queueSms(deps, trx, { mobile: identity.mobile, existingAccountId, send: matched }, code);
    await deps.audit.record(
      {
        event: `${type}.started`,
        accountId: existingAccountId,
        ip,
        detail: { flowId, matched, existingAccount: Boolean(existingAccountId) },
      },
      trx,
    );
    return { status: 'started', flowId };
  });
  if (started.status === 'started' && matched) deps.messageQueued();
  return started;
}

export type CodeResult =
  | { status: 'verified' }
  | { status: 'wrong'; remaining: number }
  | { status: 'expired' }
  | { status: 'too_many' }
  | { status: 'guess_ceiling' }
  | { status: 'ended' };

/**
 * Step 2. A wrong code costs one of 5 tries; the 5th ends the activation. Resends do not reset them.
 * Wrong codes are also counted per number over a sliding day, across activations: beyond
 * SMS_CODE_DAILY_GUESS_LIMIT a wrong code ends its activation at once. The right code still works, so
 * the owner, who has the SMS, is never locked out by someone else's guesses.
 */
export async function verifyCode(
  deps: ActivationDeps,
  flow: RegistryFlow,
  code: string,
  ip: string,
): Promise<CodeResult> {
  if (flow.state !== 'code_sent') return { status: 'ended' };
  const right =
    codeMatches(deps.codeSecret, flow.id, code, flow.code_hmac) &&
    representativeIds(flow).length > 0 &&
    !flow.existing_account_id;
  const expired = flow.code_expires_at !== null && new Date(flow.code_expires_at).getTime() <= Date.now();
  if (right && !expired) {
    if (!(await markCodeVerified(deps.db, flow.id))) return { status: 'ended' };
    await deps.audit.record({ event: 'activation.code_verified', ip, detail: { flowId: flow.id } });
    return { status: 'verified' };
  }
  if (right && expired) return { status: 'expired' };
  const counted = await deps.db.transaction().execute(async (trx) => {
    const attempts = await countWrongCode(trx, flow.id);
    if (attempts === undefined) return undefined;
    const today = await countHit(trx, limitKey(deps.codeSecret, 'guess', flow.mobile ?? ''), DAY);
    return { attempts, today };
  });
  if (!counted) return { status: 'ended' };
  if (counted.today > deps.config.smsCodeDailyGuessLimit) {
    await fail(deps, flow.id, 'code_guesses', ip);
    return { status: 'guess_ceiling' };
  }
  if (counted.attempts >= MAX_CODE_ATTEMPTS) {
    await fail(deps, flow.id, 'code_attempts', ip);
    return { status: 'too_many' };
  }
  return { status: 'wrong', remaining: MAX_CODE_ATTEMPTS - counted.attempts };
}

/** Ends the activation for `reason`, and says so in the audit log. */
async function fail(deps: ActivationDeps, flowId: string, reason: string, ip: string) {
  await failFlow(deps.db, flowId, reason);
  await deps.audit.record({ event: 'activation.failed', ip, detail: { flowId, reason } });
}

export type ResendResult =
  | { status: 'sent' }
  | { status: 'cooldown'; seconds: number }
  | { status: 'flow_capped' }
  | Refusal
  | { status: 'ended' };

/**
 * "Renvoyer le SMS": a new code (the old one stops working), after a cooldown, within the SMS_FLOW_LIMIT
 * sends of this activation and the send limits of its number and client address.
 */
export async function resendCode(
  deps: ActivationDeps,
  flow: RegistryFlow,
  ip: string,
): Promise<ResendResult> {
  if (flow.state !== 'code_sent' || !flow.mobile) return { status: 'ended' };
  if (flow.sends >= deps.config.smsFlowLimit) return { status: 'flow_capped' };
  const last = flow.last_sent_at ? new Date(flow.last_sent_at).getTime() : 0;
  const wait = Math.ceil((last + deps.config.smsResendCooldownSeconds * 1000 - Date.now()) / 1000);
  if (wait > 0) return { status: 'cooldown', seconds: wait };
  const matched = representativeIds(flow).length > 0;
  const code = generateCode();
  const mobile = flow.mobile;
  const result = await deps.db.transaction().execute(async (trx): Promise<ResendResult> => {
    const refused = await takeSendSlots(deps, trx, {
      mobile,
      familyName: flow.family_name ?? '',
      givenName: flow.given_name ?? '',
      ip,
      identityPost: false,
    });
    if (refused) return refused;
    const hmac = codeHmac(deps.codeSecret, flow.id, code);
    if (!(await renewCode(trx, flow, hmac, deps.config.smsCodeTtlSeconds)))
      return { status: 'cooldown', seconds: deps.config.smsResendCooldownSeconds };
    await queueSms(deps, trx, { mobile, existingAccountId: flow.existing_account_id, send: matched }, code);
    return { status: 'sent' };
  });
  if (result.status === 'sent' && matched) deps.messageQueued();
  return result;
}

/** Step 3: the password is kept as its argon2id hash until the account is created. */
export function choosePassword(
  deps: ActivationDeps,
  flow: RegistryFlow,
  passwordHash: string,
): Promise<boolean> {
  return storePasswordHash(deps.db, flow.id, passwordHash);
}

export function pupilsOfFlow(db: Db, flow: RegistryFlow): Promise<PupilChoice[]> {
  return pupilsOfRepresentatives(db, representativeIds(flow));
}

export type CompleteResult =
  | { status: 'completed'; account: Account }
  | { status: 'already_activated' }
  | { status: 'ended' };

/**
 * Step 4 -> 5, in ONE transaction: the account, its pupil bindings, the reports for the school and
 * the consumption of the code. The representative rows are locked first, so two activations of the
 * same person racing each other create one account.
 */
export async function completeActivation(
  deps: ActivationDeps,
  flowId: string,
  confirmed: PupilChoice[],
  reported: PupilChoice[],
  ip: string,
): Promise<CompleteResult> {
  return deps.db.transaction().execute(async (trx): Promise<CompleteResult> => {
    const flow = await lockActivation(trx, flowId);
    if (flow?.state !== 'password_chosen' || !flow.password_hash || flow.code_consumed_at)
      return { status: 'ended' };
    const ids = representativeIds(flow);
    const representatives = await lockRepresentatives(trx, ids);
    // Registries differ in spelling ("DURAND" in one, "Durand" in another): prefer mixed case.
    const holder =
      representatives.find((r) => r.family_name !== r.family_name.toUpperCase()) ?? representatives[0];
    if (!holder) return { status: 'ended' };
    if (representatives.some((r) => r.account_id)) {
      await failFlow(trx, flowId, 'already_activated');
      return { status: 'already_activated' };
    }
    const account = await insertAccountWithIdentifier(trx, {
      profile: 'responsable_legal',
      given_name: holder.given_name,
      family_name: holder.family_name,
      password_hash: flow.password_hash,
      password_changed_at: new Date(),
      phone: flow.mobile,
      email: holder.email,
    });
    await markCompleted(trx, flowId, account.id);
    await recordPupilAnswers(
      trx,
      deps.audit,
      { accountId: account.id, representativeIds: ids, confirmed, reported, ip },
      { event: 'activation.completed', detail: { flowId } },
    );
    return { status: 'completed', account };
  });
}

export type PupilsResult =
  | CompleteResult
  /** `remainingTries`: wrong birth dates still allowed, when this answer had a wrong one. */
  | { status: 'invalid'; check: PupilAnswersCheck; remainingTries?: number }
  | { status: 'failed' };

/**
 * Step 4: every pupil answered (at least one confirmed) completes the activation; wrong birth dates
 * count, and the 5th ends it.
 */
export async function confirmPupils(
  deps: ActivationDeps,
  flow: RegistryFlow,
  pupils: PupilChoice[],
  answers: Map<string, PupilAnswer>,
  ip: string,
): Promise<PupilsResult> {
  const check = checkPupilAnswers(pupils, answers, true);
  const remainingTries = await recordWrongBirthDates(deps, flow.id, check.wrongDates, ip);
  if (remainingTries === 0) return { status: 'failed' };
  if (Object.keys(check.errors).length > 0) return { status: 'invalid', check, remainingTries };
  return completeActivation(deps, flow.id, check.confirmed, check.reported, ip);
}

/**
 * Counts wrong birth dates; the 5th ends the activation. Returns the tries left (0 when it ended),
 * undefined when there was no wrong date to count.
 */
export async function recordWrongBirthDates(
  deps: ActivationDeps,
  flowId: string,
  wrong: number,
  ip: string,
): Promise<number | undefined> {
  if (wrong <= 0) return undefined;
  const failures = await countWrongBirthDates(deps.db, flowId, wrong);
  if (failures === undefined) return undefined;
  if (failures < MAX_BIRTH_DATE_FAILURES) return MAX_BIRTH_DATE_FAILURES - failures;
  await fail(deps, flowId, 'birth_dates', ip);
  return 0;
}
