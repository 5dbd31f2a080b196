import type { Db } from '../../db/database.js';
import type { RegistryFlow } from '../../db/schema.js';
import { insertAccountWithIdentifier } from '../../domain/accounts/accounts.js';
import {
  findRepresentatives,
  type PupilChoice,
  type RepresentativeMatch,
  recordPupilAnswers,
} from '../../domain/registry/registry.js';
import {
  type ActivationDeps,
  recordWrongBirthDates,
  type StartResult,
  startSmsFlow,
} from '../activation/activation.js';
import {
  failFlow,
  lockActivation,
  lockRepresentatives,
  markCompleted,
  representativeIds,
} from '../activation/store.js';
import {
  checkPupilAnswers,
  type PupilAnswer,
  type PupilAnswersCheck,
} from '../pupil-binding/pupil-answers.js';
import { insertLink } from './store.js';

/**
 * FranceConnect's first login: the names FranceConnect certified and the mobile the person types are
 * matched against the registry, an SMS code confirms the phone, the children's birth dates confirm the
 * link; then the FranceConnect identity is linked to the representative's account, created without a
 * password when there is none. Matched or not, the same pages and the same writes (no enumeration).
 */
export async function startLinking(
  deps: ActivationDeps,
  interactionUid: string,
  identity: { familyName: string; givenName: string; mobile: string },
  ip: string,
): Promise<StartResult> {
  const representatives = await matchRepresentatives(deps.db, identity);
  return startSmsFlow(deps, { type: 'franceconnect', interactionUid, identity, representatives, ip });
}

/**
 * FranceConnect gives every first name (« Claire Marie »), schools usually keep the first: both are
 * tried, always, so that a match costs what a miss does.
 */
async function matchRepresentatives(
  db: Db,
  identity: { familyName: string; givenName: string; mobile: string },
): Promise<RepresentativeMatch[]> {
  const firstName = identity.givenName.trim().split(/\s+/)[0] ?? identity.givenName;
  const [full, first] = await Promise.all([
    findRepresentatives(db, identity),
    findRepresentatives(db, { ...identity, givenName: firstName }),
  ]);
  const byId = new Map([...full, ...first].map((r) => [r.id, r]));
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

export type LinkingResult =
  | { status: 'linked'; accountId: string; created: boolean }
  | { status: 'invalid'; check: PupilAnswersCheck }
  | { status: 'failed' }
  | { status: 'ended' };

/**
 * The children's birth dates: every pupil answered (at least one confirmed) links the account; wrong
 * birth dates count as in the activation, and the 5th ends the flow.
 */
export async function confirmLinking(
  deps: ActivationDeps,
  flow: RegistryFlow,
  sub: string,
  pupils: PupilChoice[],
  answers: Map<string, PupilAnswer>,
  ip: string,
): Promise<LinkingResult> {
  const check = checkPupilAnswers(pupils, answers, true);
  if ((await recordWrongBirthDates(deps, flow.id, check.wrongDates, ip)) === 0) return { status: 'failed' };
  if (Object.keys(check.errors).length > 0) return { status: 'invalid', check };
  return completeLinking(deps, flow.id, sub, check.confirmed, check.reported, ip);
}

/**
 * In ONE transaction: the account (the representative's own, or a new one without a password), the
 * FranceConnect link, the pupil bindings and reports, the flow completed. The representative rows are
 * locked first, so a first login racing an activation of the same person ends with one account.
 */
async function completeLinking(
  deps: ActivationDeps,
  flowId: string,
  sub: string,
  confirmed: PupilChoice[],
  reported: PupilChoice[],
  ip: string,
): Promise<LinkingResult> {
  return deps.db.transaction().execute(async (trx): Promise<LinkingResult> => {
    const flow = await lockActivation(trx, flowId);
    if (flow?.type !== 'franceconnect' || flow.state !== 'code_verified' || flow.code_consumed_at)
      return { status: 'ended' };
    const ids = representativeIds(flow);
    const representatives = await lockRepresentatives(trx, ids);
    const holder =
      representatives.find((r) => r.family_name !== r.family_name.toUpperCase()) ?? representatives[0];
    if (!holder) return { status: 'ended' };
    const existing = representatives.find((r) => r.account_id)?.account_id ?? null;
    const accountId =
      existing ??
      (
        await insertAccountWithIdentifier(trx, {
          profile: 'responsable_legal',
          given_name: holder.given_name,
          family_name: holder.family_name,
          // « compte FranceConnect »: no password until the person sets one on their account page
          password_hash: null,
          phone: flow.mobile,
          email: holder.email,
        })
      ).id;
    if (!(await insertLink(trx, sub, accountId))) {
      await failFlow(trx, flowId, 'already_linked');
      return { status: 'ended' };
    }
    await markCompleted(trx, flowId, accountId);
    await recordPupilAnswers(
      trx,
      deps.audit,
      { accountId, representativeIds: ids, confirmed, reported, ip },
      { event: 'franceconnect.linked', detail: { flowId, created: !existing } },
    );
    return { status: 'linked', accountId, created: !existing };
  });
}
