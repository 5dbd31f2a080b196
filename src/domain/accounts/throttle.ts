import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';

/**
 * Login throttling shared by every replica (rows in the database). Per account: after 5 failures each
 * new failure doubles a wait, from 30 s up to 15 min (Keycloak-like); per client IP: 100 failures in
 * 15 min block that address for 15 min. Keys are hashed identifiers so unknown ones behave the same.
 */
export interface ThrottlePolicy {
  freeFailures: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  windowSeconds: number;
}

export const ACCOUNT_POLICY: ThrottlePolicy = {
  freeFailures: 5,
  baseDelaySeconds: 30,
  maxDelaySeconds: 900,
  windowSeconds: 3600,
};
export const IP_POLICY: ThrottlePolicy = {
  freeFailures: 100,
  baseDelaySeconds: 900,
  maxDelaySeconds: 900,
  windowSeconds: 900,
};

/** The row of an identifier or an address: a keyed hash, so the table never holds either. */
export function throttleKey(secret: Buffer, kind: 'account' | 'ip', value: string): string {
  return `${kind}:${createHmac('sha256', secret).update(value).digest('base64url').slice(0, 32)}`;
}

/** Counts one failure for `key` atomically (one upsert) and blocks it once past the free failures. */
export async function recordFailure(db: Db, key: string, policy: ThrottlePolicy): Promise<void> {
  const { freeFailures, baseDelaySeconds, maxDelaySeconds, windowSeconds } = policy;
  await sql`
    insert into login_throttle as t (key, failures, window_start, blocked_until)
    values (${key}, 1, now(), null)
    on conflict (key) do update set
      failures = case when t.window_start < now() - make_interval(secs => ${windowSeconds}) and (t.blocked_until is null or t.blocked_until < now())
                      then 1 else t.failures + 1 end,
      window_start = case when t.window_start < now() - make_interval(secs => ${windowSeconds}) and (t.blocked_until is null or t.blocked_until < now())
                      then now() else t.window_start end,
      blocked_until = case when t.failures + 1 >= ${freeFailures}
                        and not (t.window_start < now() - make_interval(secs => ${windowSeconds}) and (t.blocked_until is null or t.blocked_until < now()))
                      then now() + make_interval(secs => least(${maxDelaySeconds}::float8, ${baseDelaySeconds}::float8 * power(2, greatest(0, t.failures + 1 - ${freeFailures}))))
                      else t.blocked_until end
  `.execute(db);
}

export async function purgeThrottle(db: Db): Promise<void> {
  await db
    .deleteFrom('login_throttle')
    .where('window_start', '<', sql<Date>`now() - interval '1 day'`)
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', sql<Date>`now()`)]))
    .execute();
}
