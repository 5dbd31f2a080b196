import type { StaffSessionStage } from '../../db/schema.js';

/**
 * Signing in to the school console: the password opens a session at stage `password`; a valid TOTP
 * code replaces it by an `active` session under a new token; « Se déconnecter » or 5 wrong codes
 * close it. Only an `active` session reaches an establishment's pages.
 */
export const STAFF_SESSION_STAGES: Record<StaffSessionStage, { page: string }> = {
  password: { page: '/etablissement/verification' },
  active: { page: '/etablissement' },
};

export const STAFF_COOKIE = 'ec_staff';

/** The confirmation shown after an action (`?fait=…`): fixed texts, nothing reflected from the URL. */
export const ACTION_NOTICES: Record<string, string> = {
  debloque: 'Le compte est débloqué : la personne peut de nouveau se connecter.',
  force: 'Le changement de mot de passe sera demandé à la prochaine connexion.',
  aucune: 'Aucune notification à éditer : tous les comptes de ce niveau sont déjà activés.',
  signalement: 'Le signalement est marqué comme traité.',
  numero: 'Le numéro est mis à jour : il permet désormais l’activation par SMS.',
  rejet: 'La demande est rejetée.',
};
