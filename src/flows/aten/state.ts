import type { Profile } from '../../db/schema.js';

/**
 * The ATEN transition (seed 001) as a state machine kept in the OIDC interaction's result, merged
 * step by step: `authenticated` once the ATEN directory vouched for the person (« Choisir mon mot
 * de passe », then the identifier and the password), `completed` once the account exists (« Votre
 * compte est créé », then back to the service). Each state, the pages that show it.
 */
export type AtenTransitionState = 'authenticated' | 'completed';

export const ATEN_STATES: Record<
  AtenTransitionState,
  { pages: readonly string[]; next: readonly AtenTransitionState[] }
> = {
  authenticated: { pages: ['bienvenue', 'mot-de-passe'], next: ['completed'] },
  completed: { pages: ['compte-cree'], next: [] },
};

export interface AtenTransition {
  state: AtenTransitionState;
  /** The ATEN user as the directory asserted it. */
  atenLogin: string;
  profile: Profile;
  givenName: string;
  familyName: string;
  /** The FrEduVecteur values, as received. */
  vectors: string[];
  /** `authenticated`: the identifier offered (« Notez votre identifiant »); `completed`: the one created. */
  identifier: string;
  accountId?: string;
}

/** Why a transition cannot go on; each has its French page (views/aten/ended.tsx). */
export type AtenEnding =
  /** This ATEN account, or the registry person behind it, already has an ÉduConnect account. */
  | 'already'
  /** None of the pupils of the ATEN account is in the registry. */
  | 'not_found'
  /** The ATEN account's FrEduVecteur values are unusable (none, malformed, mixed profiles). */
  | 'invalid_account'
  /** The ticket from the directory was refused (reused, expired, forged). */
  | 'ticket'
  /** The ATEN directory did not answer. */
  | 'unreachable'
  /** ATEN_CLOSES_AT is past. */
  | 'closed';
