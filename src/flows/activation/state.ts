import type { FlowState } from '../../db/schema.js';

export type ActivationState = Extract<
  FlowState,
  'code_sent' | 'code_verified' | 'password_chosen' | 'completed' | 'failed'
>;

/**
 * Parent activation by SMS as a state machine (Ory Kratos' flow/state.go is the model): for each
 * state, the page that shows it (under `/interaction/:uid/activation/`) and the states it may move to.
 */
export const ACTIVATION_STATES: Record<ActivationState, { page?: string; next: readonly ActivationState[] }> =
  {
    code_sent: { page: 'code', next: ['code_verified', 'failed'] },
    code_verified: { page: 'mot-de-passe', next: ['password_chosen'] },
    // Choosing the password again (Back, then Suivant) keeps the flow where it is.
    password_chosen: { page: 'eleves', next: ['password_chosen', 'completed', 'failed'] },
    completed: { page: 'terminee', next: [] },
    failed: { next: [] },
  };

/** The states a flow may be in to move to `state`: the guard of the update that moves it there. */
export function statesBefore(state: ActivationState): ActivationState[] {
  return (Object.keys(ACTIVATION_STATES) as ActivationState[]).filter((from) =>
    ACTIVATION_STATES[from].next.includes(state),
  );
}

export const MAX_CODE_ATTEMPTS = 5;
/** An activation must be finished within this time (the OIDC interaction lives one hour too). */
export const FLOW_TTL_SECONDS = 3600;
