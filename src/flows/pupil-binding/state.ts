import type { FlowState } from '../../db/schema.js';

export type BindingState = Extract<FlowState, 'pending' | 'failed'>;

/**
 * "Ajout d'élèves" at a later login, as a state machine. The flow's row appears at the first wrong
 * birth date (it counts them); the 5th moves it to `failed`, and for `FAILED_BINDING_PAUSE_HOURS`
 * every login of the account gets the failed page instead of the form, then the step is asked again.
 */
export const BINDING_STATES: Record<
  BindingState,
  { page: 'pupil-links' | 'binding-failed'; status: number; next: readonly BindingState[] }
> = {
  pending: { page: 'pupil-links', status: 200, next: ['failed'] },
  failed: { page: 'binding-failed', status: 403, next: [] },
};

/** After 5 wrong birth dates the step is not asked again for this long (the school can help meanwhile). */
export const FAILED_BINDING_PAUSE_HOURS = 24;
