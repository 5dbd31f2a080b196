import { randomInt } from 'node:crypto';
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/database.js';
import type { Account } from '../../db/schema.js';
import { insertAccountWithIdentifier } from '../../domain/accounts/accounts.js';
import { identifierCandidates } from '../../domain/accounts/identifier.js';
import { type AtenIdentity, atenIdentity } from '../../domain/aten/vector.js';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import { matchName } from '../../domain/registry/matching.js';
import { recordPupilAnswers } from '../../domain/registry/registry.js';
import type { AtenEnding, AtenTransition } from './state.js';
import {
  bindPupilAccount,
  identifierTaken,
  insertTransition,
  pupilsOfVectors,
  type RegistryPupil,
  representativesNamed,
  transitionOf,
} from './store.js';

export interface AtenDeps {
  db: Db;
  audit: AuditLog;
  config: Config;
}

/** Whether the path is open now: enabled, and ATEN_CLOSES_AT not reached. */
export function atenOpen(config: Config, now = new Date()): boolean {
  return config.atenEnabled && (!config.atenClosesAt || now < config.atenClosesAt);
}

/** The registry person behind an ATEN identity: pupils found by eleveId + UAI, the parent's own rows. */
async function registryMatch(db: Db, identity: AtenIdentity, lock = false) {
  const pupils = await pupilsOfVectors(db, identity.vectors, lock);
  const representatives =
    identity.profile === 'responsable_legal'
      ? await representativesNamed(
          db,
          pupils.map((p) => p.id),
          matchName(identity.familyName, identity.givenName),
          lock,
        )
      : [];
  return { pupils, representatives };
}

/**
 * Whether the registry person already has an account: a pupil whose row is bound, a parent whose
 * registry rows are (activated by SMS, or by another ATEN account of the same person).
 */
function alreadyHasAccount(
  identity: AtenIdentity,
  match: Awaited<ReturnType<typeof registryMatch>>,
): boolean {
  if (identity.profile === 'eleve') return match.pupils.some((p) => p.accountId !== null);
  return match.representatives.some((r) => r.accountId !== null);
}

export type AssessResult =
  | { status: 'ready'; transition: AtenTransition }
  | { status: 'already'; accountId: string | undefined }
  | { status: Exclude<AtenEnding, 'already'> };

/**
 * After the directory vouched for `atenLogin`: may it create an account, and under which identifier?
 * Nothing is written: the person may stop here.
 */
export async function assessAtenAccount(
  deps: AtenDeps,
  atenLogin: string,
  vectors: string[],
  ip: string,
): Promise<AssessResult> {
  const identity = atenIdentity(vectors);
  const ending = async (status: AtenEnding, accountId?: string | null): Promise<AssessResult> => {
    await deps.audit.record({ event: 'aten.refused', ip, detail: { atenLogin, reason: status } });
    return status === 'already' ? { status, accountId: accountId ?? undefined } : { status };
  };
  if (!identity) return ending('invalid_account');
  const created = await transitionOf(deps.db, atenLogin);
  if (created) return ending('already', created);
  const match = await registryMatch(deps.db, identity);
  if (match.pupils.length === 0) return ending('not_found');
  if (alreadyHasAccount(identity, match)) {
    const rows = identity.profile === 'eleve' ? match.pupils : match.representatives;
    return ending('already', rows.find((r) => r.accountId)?.accountId);
  }
  const names = holderNames(identity, match.pupils, match.representatives);
  await deps.audit.record({
    event: 'aten.authenticated',
    ip,
    detail: { atenLogin, profile: identity.profile },
  });
  return {
    status: 'ready',
    transition: {
      state: 'authenticated',
      atenLogin,
      profile: identity.profile,
      ...names,
      vectors,
      identifier: await freeIdentifier(deps.db, names.givenName, names.familyName),
    },
  };
}

/** The names the account gets: the registry's spelling when it knows the person (mixed case preferred). */
function holderNames(
  identity: AtenIdentity,
  pupils: RegistryPupil[],
  representatives: { familyName: string; givenName: string }[],
): { givenName: string; familyName: string } {
  if (identity.profile === 'eleve') {
    const pupil = pupils[0]!;
    return { givenName: pupil.givenName, familyName: pupil.familyName };
  }
  const holder =
    representatives.find((r) => r.familyName !== r.familyName.toUpperCase()) ??
    representatives[0] ??
    identity;
  return { givenName: holder.givenName, familyName: holder.familyName };
}

/** An identifier nobody has yet, offered before the account exists (« Notez votre identifiant »). */
async function freeIdentifier(db: Db, givenName: string, familyName: string): Promise<string> {
  let last = '';
  for (const candidate of identifierCandidates(givenName, familyName, randomInt)) {
    if (!(await identifierTaken(db, candidate))) return candidate;
    last = candidate;
  }
  return last;
}

export type CompleteResult = { status: 'completed'; account: Account } | { status: 'already' | 'not_found' };

class TransitionRefused extends Error {
  constructor(readonly reason: 'already' | 'not_found') {
    super(reason);
  }
}

/**
 * « Confirmer », in ONE transaction: the account (under the identifier shown, or a fresh one if it
 * was taken meanwhile), the ATEN account's one transition, and the registry bindings: a pupil's own
 * row; a parent's pupils named by the vectors and the parent's registry rows (so « Ajout d'élèves »
 * offers the other children the registry links to them). Registry rows are locked first: an SMS
 * activation or another ATEN account of the same person racing this one ends with one account.
 */
export async function completeTransition(
  deps: AtenDeps,
  transition: AtenTransition,
  passwordHash: string,
  ip: string,
): Promise<CompleteResult> {
  const identity = atenIdentity(transition.vectors);
  if (!identity) return { status: 'not_found' };
  try {
    return await deps.db.transaction().execute(async (trx): Promise<CompleteResult> => {
      const match = await registryMatch(trx, identity, true);
      if (match.pupils.length === 0) throw new TransitionRefused('not_found');
      if (alreadyHasAccount(identity, match)) throw new TransitionRefused('already');
      const pupil = identity.profile === 'eleve' ? match.pupils[0]! : undefined;
      const contact = match.representatives.find((r) => r.mobile) ?? match.representatives[0];
      const fields = {
        profile: identity.profile,
        given_name: transition.givenName,
        family_name: transition.familyName,
        password_hash: passwordHash,
        password_changed_at: new Date(),
        birth_date: pupil?.birthDate ?? null,
        phone: contact?.mobile ?? null,
        email: contact?.email ?? null,
      };
      const offered = await trx
        .insertInto('accounts')
        .values({ ...fields, identifier: transition.identifier })
        .onConflict((oc) => oc.column('identifier').doNothing())
        .returningAll()
        .executeTakeFirst();
      const account = offered ?? (await insertAccountWithIdentifier(trx, fields));
      if (!(await insertTransition(trx, transition.atenLogin, account.id)))
        throw new TransitionRefused('already');
      const detail = { atenLogin: transition.atenLogin, identifierChanged: !offered };
      if (pupil) {
        if (!(await bindPupilAccount(trx, pupil.id, account.id))) throw new TransitionRefused('already');
        await deps.audit.record(
          {
            event: 'aten.completed',
            accountId: account.id,
            ip,
            detail: { ...detail, pupil: pupil.registryId },
          },
          trx,
        );
      } else {
        await recordPupilAnswers(
          trx,
          deps.audit,
          {
            accountId: account.id,
            representativeIds: match.representatives.map((r) => r.id),
            confirmed: match.pupils,
            reported: [],
            ip,
          },
          { event: 'aten.completed', detail },
        );
      }
      return { status: 'completed', account };
    });
  } catch (error) {
    if (error instanceof TransitionRefused) {
      await deps.audit.record({
        event: 'aten.refused',
        ip,
        detail: { atenLogin: transition.atenLogin, reason: error.reason },
      });
      return { status: error.reason };
    }
    throw error;
  }
}
