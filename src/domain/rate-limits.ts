import { isIPv4, isIPv6 } from 'node:net';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/**
 * Sliding-window counters shared by every server process (rows of `rate_limits`): a row keeps the
 * times of the recent hits of one key, pruned at each hit, so a window is "the last N seconds", not a
 * clock hour that an attacker can straddle. One statement per hit, atomic under concurrency (the
 * upsert locks the row).
 */
export interface SlidingWindow {
  /** Hits allowed within the window; 0 = no limit. */
  limit: number;
  seconds: number;
}

export type Hit = { taken: true } | { taken: false; retryAfterSeconds: number };

/** Hits kept per key at most (a key hammered far beyond its limit stays small). */
const MAX_KEPT = 1000;

/** Takes one hit for `key` unless `limit` hits already fall within the window. */
export async function takeHit(db: Db, key: string, window: SlidingWindow): Promise<Hit> {
  if (window.limit <= 0) return { taken: true };
  const taken = await sql<{ n: number }>`
    insert into rate_limits as r (key, hits, expires_at)
    values (${key}, array[now()], now() + make_interval(secs => ${window.seconds}))
    on conflict (key) do update set
      hits = array_append(array(select t from unnest(r.hits) as t
               where t > now() - make_interval(secs => ${window.seconds}) order by t), now()),
      expires_at = now() + make_interval(secs => ${window.seconds})
    where (select count(*) from unnest(r.hits) as t
           where t > now() - make_interval(secs => ${window.seconds})) < ${window.limit}
    returning 1 as n`.execute(db);
  if (taken.rows.length > 0) return { taken: true };
  // Refused: the slot frees when enough of the hits in the window have aged out of it.
  const oldest = await sql<{ wait: number | string | null }>`
    select ceil(extract(epoch from (t + make_interval(secs => ${window.seconds}) - now()))) as wait
    from rate_limits, unnest(hits) as t
    where key = ${key} and t > now() - make_interval(secs => ${window.seconds})
    order by t desc offset ${window.limit - 1} limit 1`.execute(db);
  const wait = Number(oldest.rows[0]?.wait ?? window.seconds);
  return { taken: false, retryAfterSeconds: Math.max(1, Math.min(window.seconds, wait)) };
}

/** Records one hit for `key` whatever the count; returns the hits within the window, this one included. */
export async function countHit(db: Db, key: string, seconds: number): Promise<number> {
  const row = await sql<{ n: number }>`
    insert into rate_limits as r (key, hits, expires_at)
    values (${key}, array[now()], now() + make_interval(secs => ${seconds}))
    on conflict (key) do update set
      hits = array_append(array(select t from unnest(r.hits) as t
               where t > now() - make_interval(secs => ${seconds})
               order by t desc limit ${MAX_KEPT - 1}), now()),
      expires_at = now() + make_interval(secs => ${seconds})
    returning cardinality(hits) as n`.execute(db);
  return Number(row.rows[0]?.n ?? 1);
}

/**
 * What a per-address limit counts: an IPv4 address, or the /64 network of an IPv6 address (one
 * subscriber gets a whole /64: counting single addresses would give them billions of budgets).
 */
export function clientNetwork(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIPv4(ip) || !isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = ip.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
