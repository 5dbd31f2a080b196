import type { Account } from '../../db/schema.js';
import { setPassword } from '../../domain/accounts/accounts.js';
import type { LoginStep } from '../interaction/steps.js';
import type { Services } from '../services.js';

/** A temporary password (issued by the school, or reset) is replaced before anything else. */
export const forcedPasswordStep: LoginStep = {
  name: 'password',
  async isNeeded(account) {
    return account.must_change_password;
  },
};

/** The person's own password replaces the temporary one. */
export async function replaceTemporaryPassword(
  { db, hasher, audit }: Pick<Services, 'db' | 'hasher' | 'audit'>,
  account: Account,
  password: string,
  ip: string,
): Promise<void> {
  await setPassword(db, account.id, await hasher.hash(password));
  await audit.record({
    event: 'password.changed',
    accountId: account.id,
    ip,
    detail: { reason: 'temporary' },
  });
}
