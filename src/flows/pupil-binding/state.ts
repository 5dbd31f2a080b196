/**
 * "Ajout d'élèves" at a later login, for each pupil the registry links to the parent and that is
 * neither bound nor reported: `offered` on the form until MAX_BIRTH_DATE_FAILURES wrong birth dates
 * (counted per account and pupil, across logins: a new login gives no new tries), then `blocked` for
 * good, never offered online again (the establishment can bind it). Confirmed or reported, a pupil
 * leaves the step.
 */
export type PupilBindingState = 'offered' | 'blocked';

export const PUPIL_BINDING_STATES: Record<
  PupilBindingState,
  { page: string; status: number; next: readonly PupilBindingState[] }
> = {
  // The form of « Ajout d'élèves », with a notice naming the pupils already blocked.
  offered: { page: 'add-pupils', status: 200, next: ['blocked'] },
  // « Ajout d'élèves interrompu », right after the post that blocked them; later logins skip them.
  blocked: { page: 'binding-failed', status: 403, next: [] },
};
