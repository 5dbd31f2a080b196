import { createHmac } from 'node:crypto';
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/database.js';
import { clientNetwork, type SlidingWindow, takeHit } from '../../domain/rate-limits.js';
import { matchName } from '../../domain/registry/matching.js';

const HOUR = 3600;
export const DAY = 24 * HOUR;

/** Rate-limit keys, HMACed: the table holds neither numbers, names nor addresses. */
export function limitKey(secret: Buffer, kind: string, ...parts: string[]): string {
  return `${kind}:${createHmac('sha256', secret).update(parts.join('\u0000')).digest('base64url').slice(0, 32)}`;
}

export type Refusal =
  /** Too many requests from this client address (whatever the identities asked for). */
  | { status: 'busy'; retryAfterSeconds: number }
  /** Too many SMS requests for this number and name. */
  | { status: 'capped'; retryAfterSeconds: number };

/**
 * The send limits of an SMS request (a start or a resend), checked in order, each counting only if
 * the previous ones let the request through: the client address (identity posts, then SMS
 * requests), then the number and name from this address, then the number and name from all
 * addresses. Matched or not, an identity is counted the same way, so limits reveal nothing; and a
 * stranger's requests, or requests under other names, do not use up the budget of the number's owner
 * (see docs/activation.md, "Activation limits").
 */
export async function takeSendSlots(
  { config, codeSecret }: { config: Config; codeSecret: Buffer },
  trx: Db,
  request: { mobile: string; familyName: string; givenName: string; ip: string; identityPost: boolean },
): Promise<Refusal | undefined> {
  const network = clientNetwork(request.ip);
  const identity = [request.mobile, matchName(request.familyName, request.givenName)];
  const checks: [key: string, window: SlidingWindow, refusal: Refusal['status']][] = [];
  if (request.identityPost)
    checks.push([
      limitKey(codeSecret, 'ip-identity', network),
      { limit: config.activationIpHourlyLimit, seconds: HOUR },
      'busy',
    ]);
  checks.push(
    [limitKey(codeSecret, 'ip-sms', network), { limit: config.smsIpHourlyLimit, seconds: HOUR }, 'busy'],
    [
      limitKey(codeSecret, 'sms-source', ...identity, network),
      { limit: config.smsHourlyLimit, seconds: HOUR },
      'capped',
    ],
    [
      limitKey(codeSecret, 'sms', ...identity),
      { limit: config.smsNumberHourlyLimit, seconds: HOUR },
      'capped',
    ],
  );
  for (const [key, window, status] of checks) {
    const hit = await takeHit(trx, key, window);
    if (!hit.taken) return { status, retryAfterSeconds: hit.retryAfterSeconds };
  }
  return undefined;
}
