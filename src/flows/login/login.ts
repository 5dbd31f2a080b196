import type { Account, Profile } from '../../db/schema.js';
import { authenticate, loadLoginCandidate } from '../../domain/accounts/accounts.js';
import { recordSuccessfulLogin } from '../../domain/accounts/login-record.js';
import { ACCOUNT_POLICY, IP_POLICY, recordFailure, throttleKey } from '../../domain/accounts/throttle.js';
import type { Services } from '../services.js';

export interface LoginAttempt {
  profile: Profile;
  identifier: string;
  password: string;
  ip: string;
  clientId: string;
}

export type LoginOutcome =
  | { status: 'accepted'; account: Account }
  | { status: 'refused' }
  | { status: 'throttled'; retryAfterSeconds: number };

/**
 * One login attempt: throttled per identifier and per address, then the password checked for the
 * profile. A failure counts against both throttle keys; a success clears the identifier's.
 */
export async function attemptLogin(
  { db, hasher, audit, throttleSecret }: Pick<Services, 'db' | 'hasher' | 'audit' | 'throttleSecret'>,
  attempt: LoginAttempt,
): Promise<LoginOutcome> {
  const accountKey = throttleKey(throttleSecret, 'account', attempt.identifier);
  const ipKey = throttleKey(throttleSecret, 'ip', attempt.ip);
  const candidate = await loadLoginCandidate(db, attempt.identifier, [accountKey, ipKey]);
  if (candidate.retryAfterSeconds > 0)
    return { status: 'throttled', retryAfterSeconds: candidate.retryAfterSeconds };

  const result = await authenticate(db, hasher, candidate.account, attempt.password, attempt.profile);
  if (!result.ok) {
    await Promise.all([recordFailure(db, accountKey, ACCOUNT_POLICY), recordFailure(db, ipKey, IP_POLICY)]);
    await audit.record({
      event: 'login.failure',
      clientId: attempt.clientId,
      ip: attempt.ip,
      detail: { profile: attempt.profile },
    });
    return { status: 'refused' };
  }
  await recordSuccessfulLogin(db, {
    accountId: result.account.id,
    throttleKey: accountKey,
    clientId: attempt.clientId,
    ip: attempt.ip,
    detail: { profile: attempt.profile, method: 'password' },
  });
  return { status: 'accepted', account: result.account };
}
