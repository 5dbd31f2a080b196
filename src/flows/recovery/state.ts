import type { RecoveryKind, RecoveryState } from '../../db/schema.js';

/**
 * « Identifiant oublié » and « Mot de passe oublié » as state machines (Ory Kratos' recovery flow is
 * the model): for each kind, the states a flow moves through and the page of each under
 * `/interaction/:uid/<segment>/`. A forgotten identifier ends when the code verifies (the identifier
 * is shown); a forgotten password goes on to the new password.
 */
export const RECOVERY_STATES: Record<
  RecoveryKind,
  Partial<Record<RecoveryState, { page?: string; next: readonly RecoveryState[] }>>
> = {
  identifier: {
    code_sent: { page: 'code', next: ['completed', 'failed'] },
    completed: { page: 'identifiant', next: [] },
    failed: { next: [] },
  },
  password: {
    code_sent: { page: 'code', next: ['code_verified', 'failed'] },
    code_verified: { page: 'nouveau', next: ['completed'] },
    completed: { page: 'modifie', next: [] },
    failed: { next: [] },
  },
};

/** The state a verified code moves a flow of this kind to. */
export const afterCode = (kind: RecoveryKind): RecoveryState =>
  kind === 'identifier' ? 'completed' : 'code_verified';

/** The path segment of each kind: `/interaction/:uid/identifiant-oublie/...`. */
export const RECOVERY_SEGMENTS: Record<RecoveryKind, string> = {
  identifier: 'identifiant-oublie',
  password: 'mot-de-passe-oublie',
};

export const recoveryPath = (uid: string, kind: RecoveryKind) =>
  `/interaction/${uid}/${RECOVERY_SEGMENTS[kind]}`;

export const MAX_CODE_ATTEMPTS = 5;
/** A recovery must be finished within this time (the OIDC interaction lives one hour too). */
export const FLOW_TTL_SECONDS = 3600;
