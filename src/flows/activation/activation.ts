import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
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
import { MAX_BIRTH_DATE_FAILURES } from '../pupil-binding/pupil-answers.js';

/**
 * Parent self-activation by SMS as an explicit flow (Ory Kratos style): one `registry_flows` row per
 * attempt, keyed to the OIDC interaction, moving code_sent -> code_verified -> password_chosen ->
 * completed (or failed). Nothing here creates an account before `completeActivation`.
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

export const MAX_CODE_ATTEMPTS = 5;
/** An activation must be finished within this time (the OIDC interaction lives one hour too). */
export const FLOW_TTL_SECONDS = 3600;

export function generateCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** The code is stored as an HMAC bound to its flow: 10^6 codes are trivially hashed, not HMACed. */
export function codeHmac(secret: Buffer, flowId: string, code: string): string {
  return createHmac('sha256', secret).update(`code:${flowId}:${code}`).digest('base64url');
}

function phoneKey(secret: Buffer, mobile: string): string {
  return createHmac('sha256', secret).update(`phone:${mobile}`).digest('base64url');
}

function representativeIds(flow: RegistryFlow): string[] {
  const ids = flow.representative_ids as unknown;
  return Array.isArray(ids) ? (ids as string[]) : [];
}

/** One more SMS request for this number in the current hour, unless the cap is reached. */
async function takeSendSlot(trx: Db, key: string, limit: number): Promise<boolean> {
  const row = await sql<{ sends: number }>`
    insert into sms_send_counters (phone_key, window_start, sends)
    values (${key}, date_trunc('hour', now()), 1)
    on conflict (phone_key, window_start) do update set sends = sms_send_counters.sends + 1
    where sms_send_counters.sends < ${limit}
    returning sends`.execute(trx);
  return row.rows.length > 0;
}

function codeText(code: string, ttlSeconds: number): string {
  return `ÉduConnect : votre code de sécurité est ${code}. Il est valable ${Math.round(ttlSeconds / 60)} min. Ne le communiquez à personne.`;
}

function identifierText(identifier: string): string {
  return `ÉduConnect : un compte existe déjà pour ce numéro. Votre identifiant est ${identifier}. Connectez-vous avec cet identifiant et votre mot de passe.`;
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
  const account = await trx
    .selectFrom('accounts')
    .select('identifier')
    .where('id', '=', flow.existingAccountId ?? randomUUID())
    .executeTakeFirst();
  if (!flow.send) {
    await sql`select ${flow.mobile}::text as recipient`.execute(trx);
    return;
  }
  await enqueueMessage(trx, {
    channel: 'sms',
    to: flow.mobile,
    body: account ? identifierText(account.identifier) : codeText(code, deps.config.smsCodeTtlSeconds),
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
    await trx
      .insertInto('registry_flows')
      .values({
        id: flowId,
        type: 'activation',
        interaction_uid: interactionUid,
        state: 'code_sent',
        expires_at: sql`now() + make_interval(secs => ${Math.max(FLOW_TTL_SECONDS, ttl)})`,
        family_name: identity.familyName,
        given_name: identity.givenName,
        mobile: identity.mobile,
        representative_ids: JSON.stringify(representatives.map((r) => r.id)),
        existing_account_id: existingAccountId,
        code_hmac: codeHmac(deps.codeSecret, flowId, code),
        code_expires_at: sql`now() + make_interval(secs => ${ttl})`,
        sends: 1,
        last_sent_at: sql`now()`,
      })
      .execute();
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

/** The latest unexpired flow of this type for the interaction. */
export function currentFlow(db: Db, interactionUid: string, type: 'activation' | 'binding') {
  return db
    .selectFrom('registry_flows')
    .selectAll()
    .where('interaction_uid', '=', interactionUid)
    .where('type', '=', type)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
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
  const given = Buffer.from(codeHmac(deps.codeSecret, flow.id, code));
  const expected = Buffer.from(flow.code_hmac ?? '');
  const right =
    /^[0-9]{6}$/.test(code) &&
    given.length === expected.length &&
    timingSafeEqual(given, expected) &&
    representativeIds(flow).length > 0 &&
    !flow.existing_account_id;
  const expired = flow.code_expires_at !== null && new Date(flow.code_expires_at).getTime() <= Date.now();
  if (right && !expired) {
    const moved = await deps.db
      .updateTable('registry_flows')
      .set({ state: 'code_verified', updated_at: sql`now()` })
      .where('id', '=', flow.id)
      .where('state', '=', 'code_sent')
      .where('code_attempts', '<', MAX_CODE_ATTEMPTS)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 1) {
      await deps.audit.record({ event: 'activation.code_verified', ip, detail: { flowId: flow.id } });
      return { status: 'verified' };
    }
    return { status: 'ended' };
  }
  if (right && expired) return { status: 'expired' };
  const row = await deps.db
    .updateTable('registry_flows')
    .set({ code_attempts: sql`code_attempts + 1`, updated_at: sql`now()` })
    .where('id', '=', flow.id)
    .where('state', '=', 'code_sent')
    .returning('code_attempts')
    .executeTakeFirst();
  if (!row) return { status: 'ended' };
  if (row.code_attempts >= MAX_CODE_ATTEMPTS) {
    await fail(deps, flow.id, 'code_attempts', ip);
    return { status: 'too_many' };
  }
  return { status: 'wrong', remaining: MAX_CODE_ATTEMPTS - row.code_attempts };
}

async function fail(deps: ActivationDeps, flowId: string, reason: string, ip: string) {
  await deps.db
    .updateTable('registry_flows')
    .set({
      state: 'failed',
      failure_reason: reason,
      code_hmac: null,
      password_hash: null,
      updated_at: sql`now()`,
    })
    .where('id', '=', flowId)
    .execute();
  await deps.audit.record({ event: 'activation.failed', ip, detail: { flowId, reason } });
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
    const updated = await trx
      .updateTable('registry_flows')
      .set({
        code_hmac: codeHmac(deps.codeSecret, flow.id, code),
        code_expires_at: sql`now() + make_interval(secs => ${deps.config.smsCodeTtlSeconds})`,
        sends: sql`sends + 1`,
        last_sent_at: sql`now()`,
        updated_at: sql`now()`,
      })
      .where('id', '=', flow.id)
      .where('state', '=', 'code_sent')
      // `sends` as a version: two resends racing send one SMS (timestamps lose precision in JS).
      .where('sends', '=', flow.sends)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1)
      return { status: 'cooldown', seconds: deps.config.smsResendCooldownSeconds };
    await queueSms(deps, trx, { mobile, existingAccountId: flow.existing_account_id, send: matched }, code);
    return { status: 'sent' };
  });
  if (result.status === 'sent' && matched) deps.messageQueued();
  return result;
}

/** Step 3: the password is kept as its argon2id hash until the account is created. */
export async function choosePassword(
  deps: ActivationDeps,
  flow: RegistryFlow,
  passwordHash: string,
): Promise<boolean> {
  const updated = await deps.db
    .updateTable('registry_flows')
    .set({ state: 'password_chosen', password_hash: passwordHash, updated_at: sql`now()` })
    .where('id', '=', flow.id)
    .where('state', 'in', ['code_verified', 'password_chosen'])
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

export function pupilsOfFlow(db: Db, flow: RegistryFlow): Promise<PupilChoice[]> {
  return pupilsOfRepresentatives(db, representativeIds(flow));
}

/** Counts wrong birth dates; the 5th ends the flow. Returns true when it ended. */
export async function recordWrongBirthDates(
  deps: Pick<ActivationDeps, 'db' | 'audit'>,
  flowId: string,
  wrong: number,
  ip: string,
): Promise<boolean> {
  if (wrong <= 0) return false;
  const row = await deps.db
    .updateTable('registry_flows')
    .set({ birth_date_failures: sql`birth_date_failures + ${wrong}`, updated_at: sql`now()` })
    .where('id', '=', flowId)
    .returning('birth_date_failures')
    .executeTakeFirst();
  if (row && row.birth_date_failures >= MAX_BIRTH_DATE_FAILURES) {
    await deps.db
      .updateTable('registry_flows')
      .set({ state: 'failed', failure_reason: 'birth_dates', code_hmac: null, password_hash: null })
      .where('id', '=', flowId)
      .execute();
    await deps.audit.record({ event: 'activation.failed', ip, detail: { flowId, reason: 'birth_dates' } });
    return true;
  }
  return false;
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
    const flow = await trx
      .selectFrom('registry_flows')
      .selectAll()
      .where('id', '=', flowId)
      .forUpdate()
      .executeTakeFirst();
    if (flow?.state !== 'password_chosen' || !flow.password_hash || flow.code_consumed_at)
      return { status: 'ended' };
    const ids = representativeIds(flow);
    const representatives = await trx
      .selectFrom('representatives')
      .select(['id', 'family_name', 'given_name', 'email', 'account_id', 'mobile'])
      .where('id', 'in', ids.length > 0 ? ids : ['00000000-0000-0000-0000-000000000000'])
      .orderBy('id')
      .forUpdate()
      .execute();
    // Registries differ in spelling ("DURAND" in one, "Durand" in another): prefer mixed case.
    const holder =
      representatives.find((r) => r.family_name !== r.family_name.toUpperCase()) ?? representatives[0];
    if (!holder) return { status: 'ended' };
    if (representatives.some((r) => r.account_id)) {
      await trx
        .updateTable('registry_flows')
        .set({ state: 'failed', failure_reason: 'already_activated', code_hmac: null, password_hash: null })
        .where('id', '=', flowId)
        .execute();
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
    await recordPupilAnswers(trx, account.id, ids, confirmed, reported);
    await trx
      .updateTable('registry_flows')
      .set({
        state: 'completed',
        account_id: account.id,
        code_consumed_at: sql`now()`,
        code_hmac: null,
        password_hash: null,
        updated_at: sql`now()`,
      })
      .where('id', '=', flowId)
      .execute();
    await deps.audit.record(
      {
        event: 'activation.completed',
        accountId: account.id,
        ip,
        detail: { flowId, pupils: confirmed.map((p) => p.registryId), reports: reported.length },
      },
      trx,
    );
    for (const pupil of reported) {
      await deps.audit.record(
        {
          event: 'pupil.link_reported',
          accountId: account.id,
          ip,
          detail: {
            pupilId: pupil.id,
            pupilRegistryId: pupil.registryId,
            representativeId: pupil.representativeId,
          },
        },
        trx,
      );
    }
    return { status: 'completed', account };
  });
}
