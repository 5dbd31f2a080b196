/**
 * First login with a school notification: the forced password change (the temporary password itself
 * is refused), then for a pupil « Né(e) le » (5 tries, then `locked` until the school reissues), for a
 * parent the children's birth dates (the binding step) and the email confirmation. A temporary
 * password past its date is `expired`: the login says so instead of the generic error.
 */
export type FirstLoginState = 'password' | 'identity' | 'locked' | 'expired' | 'completed';

export const EXPIRED_MESSAGE =
  "Ce mot de passe provisoire a expiré : demandez-en un nouveau à l'établissement";
export const LOCKED_MESSAGE =
  "Votre compte est bloqué après 5 dates de naissance erronées : demandez une nouvelle notification à l'établissement.";
export const SAME_AS_TEMPORARY_MESSAGE = 'Choisissez un mot de passe différent du mot de passe provisoire.';
