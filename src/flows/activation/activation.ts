import { randomUUID } from 'node:crypto';
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/database.js';
import type { Account, RegistryFlow } from '../../db/schema.js';
import { insertAccountWithIdentifier } from '../../domain/accounts/accounts.js';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import {
  findRepresentatives,
  type PupilChoice,
  pupilsOfRepresentatives,
  recordPupilAnswers,
} from '../../domain/registry/registry.js';
import { enqueueMessage } from '../../messaging/outbox.js';
import {
  checkPupilAnswers,
  type PupilAnswer,
  type PupilAnswersCheck,
} from '../pupil-binding/pupil-answers.js';
import { FLOW_TTL_SECONDS, failFlow, recordWrongBirthDates } from '../registry-flows.js';
import { codeHmac, codeMatches, codeText, generateCode, identifierText, phoneKey } from './sms.js';
import { MAX_CODE_ATTEMPTS } from './state.js';
import {
  countWrongCode,
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
  takeSendSlot,
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
  /** HMAC key of SMS codes and of phone numbers in the send counters. */
  codeSecret: Buffer;
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
  await enqueueMessage(trx, {
    channel: 'sms',
    to: flow.mobile,
    body: identifier ? identifierText(identifier) : codeText(code, deps.config.smsCodeTtlSeconds),
  });
}

export type StartResult = { status: 'started'; flowId: string } | { status: 'capped' };

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
  const matched = representatives.length > 0;
  const existingAccountId = representatives.find((r) => r.accountId)?.accountId ?? null;
  const flowId = randomUUID();
  const code = generateCode();
  const ttl = deps.config.smsCodeTtlSeconds;
  const started = await deps.db.transaction().execute(async (trx) => {
    if (!(await takeSendSlot(trx, phoneKey(deps.codeSecret, identity.mobile), deps.config.smsHourlyLimit)))
      return false;
    await insertActivation(trx, {
      id: flowId,
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
        event: 'activation.started',
        accountId: existingAccountId,
        ip,
        detail: { flowId, matched, existingAccount: Boolean(existingAccountId) },
      },
      trx,
    );
    return true;
  });
  if (!started) return { status: 'capped' };
  if (matched) deps.messageQueued();
  return { status: 'started', flowId };
}

export type CodeResult =
  | { status: 'verified' }
  | { status: 'wrong'; remaining: number }
  | { status: 'expired' }
  | { status: 'too_many' }
  | { status: 'ended' };

/** Step 2. A wrong code costs one of 5 tries; the 5th ends the activation. Resends do not reset them. */
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
  const attempts = await countWrongCode(deps.db, flow.id);
  if (attempts === undefined) return { status: 'ended' };
  if (attempts >= MAX_CODE_ATTEMPTS) {
    await failFlow(deps.db, flow.id, 'code_attempts');
    await deps.audit.record({
      event: 'activation.failed',
      ip,
      detail: { flowId: flow.id, reason: 'code_attempts' },
    });
    return { status: 'too_many' };
  }
  return { status: 'wrong', remaining: MAX_CODE_ATTEMPTS - attempts };
}

export type ResendResult =
  | { status: 'sent' }
  | { status: 'cooldown'; seconds: number }
  | { status: 'capped' }
  | { status: 'ended' };

/** "Renvoyer le SMS": a new code (the old one stops working), after a cooldown, within the hourly cap. */
export async function resendCode(deps: ActivationDeps, flow: RegistryFlow): Promise<ResendResult> {
  if (flow.state !== 'code_sent' || !flow.mobile) return { status: 'ended' };
  const last = flow.last_sent_at ? new Date(flow.last_sent_at).getTime() : 0;
  const wait = Math.ceil((last + deps.config.smsResendCooldownSeconds * 1000 - Date.now()) / 1000);
  if (wait > 0) return { status: 'cooldown', seconds: wait };
  const matched = representativeIds(flow).length > 0;
  const code = generateCode();
  const mobile = flow.mobile;
  const result = await deps.db.transaction().execute(async (trx): Promise<ResendResult> => {
    if (!(await takeSendSlot(trx, phoneKey(deps.codeSecret, mobile), deps.config.smsHourlyLimit)))
      return { status: 'capped' };
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
  | { status: 'invalid'; check: PupilAnswersCheck }
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
  if (await recordWrongBirthDates(deps, flow.id, check.wrongDates, ip)) return { status: 'failed' };
  if (Object.keys(check.errors).length > 0) return { status: 'invalid', check };
  return completeActivation(deps, flow.id, check.confirmed, check.reported, ip);
}
