import type { Account } from '../../db/schema.js';

/**
 * Steps a login may have to go through after the password check and before returning to the
 * service (forced password change, binding new pupils...). Each step is a page under
 * /interaction/:uid/<name>; the pending login is kept in the interaction until every step is done.
 */
export interface PendingLogin {
  accountId: string;
  amr: string[];
}

export interface LoginStep {
  name: string;
  /** Receives the account as just read (once per login, shared by every step). */
  isNeeded(account: Account): Promise<boolean>;
}
