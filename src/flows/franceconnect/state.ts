import type { FlowState } from '../../db/schema.js';

export type FranceConnectState = Extract<FlowState, 'code_sent' | 'code_verified' | 'completed' | 'failed'>;

/**
 * FranceConnect's first login as a state machine, on a `registry_flows` row of type `franceconnect`:
 * the phone page starts it (no row before), the SMS code verifies it, the children's birth dates
 * complete it (the account linked or created). For each state, its page under
 * `/interaction/:uid/franceconnect/` and the states it may move to.
 */
export const FRANCECONNECT_STATES: Record<
  FranceConnectState,
  { page?: string; next: readonly FranceConnectState[] }
> = {
  code_sent: { page: 'code', next: ['code_verified', 'failed'] },
  code_verified: { page: 'eleves', next: ['completed', 'failed'] },
  completed: { next: [] },
  failed: { next: [] },
};

/** The frame of the first login's pages: « Étape n sur 3 ». */
export const LINKING_TITLE = 'Première connexion avec FranceConnect';
export const LINKING_STEPS = 3;
