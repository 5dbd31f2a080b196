import { sql } from 'kysely';
import type { Db } from '../../db/database.js';

export interface SuccessfulLogin {
  accountId: string;
  /** The account's throttle key: its failure count is reset. */
  throttleKey: string;
  clientId: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
}

/**
 * After a good password: reset the account's failures, stamp last_login_at and append the audit
 * event, in one statement (one round trip and one commit instead of three).
 */
export async function recordSuccessfulLogin(db: Db, login: SuccessfulLogin): Promise<void> {
  await sql`
    with cleared as (delete from login_throttle where key = ${login.throttleKey}),
         stamped as (update accounts set last_login_at = now() where id = ${login.accountId})
    insert into audit_events (event, account_id, client_id, ip, detail)
    values ('login.success', ${login.accountId}, ${login.clientId}, ${login.ip}, ${JSON.stringify(login.detail)})
  `.execute(db);
}
