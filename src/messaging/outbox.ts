import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { OutboxChannel, OutboxStatus } from '../db/schema.js';

export interface OutgoingMessage {
  channel: OutboxChannel;
  to: string;
  body: string;
}

/**
 * Queues a message. Call it with the transaction that writes the state the message reports, so
 * that both are kept or both are lost; the dispatcher delivers it afterwards.
 */
export async function enqueueMessage(db: Db, message: OutgoingMessage): Promise<string> {
  const row = await db
    .insertInto('outbox_messages')
    .values({ channel: message.channel, recipient: message.to, body: message.body })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface OutboxEntry {
  id: string;
  channel: OutboxChannel;
  to: string;
  body: string;
  status: OutboxStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

export async function listOutbox(
  db: Db,
  options: { status?: OutboxStatus; to?: string; limit?: number } = {},
): Promise<OutboxEntry[]> {
  let query = db
    .selectFrom('outbox_messages')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(options.limit ?? 50);
  if (options.status) query = query.where('status', '=', options.status);
  if (options.to) query = query.where('recipient', '=', options.to);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    channel: row.channel,
    to: row.recipient,
    body: row.body,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: new Date(row.created_at).toISOString(),
    sentAt: row.sent_at ? new Date(row.sent_at).toISOString() : null,
  }));
}

/** Due messages, leased to this dispatcher for `leaseSeconds` (a crash mid-delivery only delays them). */
export async function claimDueMessages(db: Db, limit: number, leaseSeconds: number) {
  const result = await sql<{
    id: string;
    channel: OutboxChannel;
    recipient: string;
    body: string;
    attempts: number;
  }>`
    update outbox_messages set next_attempt_at = now() + make_interval(secs => ${leaseSeconds}),
      attempts = attempts + 1
    where id in (
      select id from outbox_messages
      where status = 'pending' and next_attempt_at <= now()
      order by next_attempt_at
      limit ${limit}
      for update skip locked)
    returning id, channel, recipient, body, attempts`.execute(db);
  return result.rows;
}

export async function markSent(db: Db, id: string): Promise<void> {
  await db
    .updateTable('outbox_messages')
    .set({ status: 'sent', sent_at: sql`now()`, last_error: null })
    .where('id', '=', id)
    .execute();
}

export async function markAttemptFailed(
  db: Db,
  id: string,
  error: string,
  retryInMs: number | null,
): Promise<void> {
  await db
    .updateTable('outbox_messages')
    .set(
      retryInMs === null
        ? { status: 'failed', last_error: error.slice(0, 500) }
        : {
            last_error: error.slice(0, 500),
            next_attempt_at: sql`now() + make_interval(secs => ${retryInMs / 1000})`,
          },
    )
    .where('id', '=', id)
    .execute();
}

/**
 * Housekeeping: delivered messages after 30 days (failed ones stay for inspection 90 days), SMS
 * counters of past hours, and self-service flows a day after they expired.
 */
export async function purgeMessagingState(db: Db): Promise<void> {
  await db
    .deleteFrom('outbox_messages')
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'sent'), eb('created_at', '<', sql<Date>`now() - interval '30 days'`)]),
        eb.and([eb('status', '=', 'failed'), eb('created_at', '<', sql<Date>`now() - interval '90 days'`)]),
      ]),
    )
    .execute();
  await db
    .deleteFrom('sms_send_counters')
    .where('window_start', '<', sql<Date>`now() - interval '2 hours'`)
    .execute();
  await db
    .deleteFrom('registry_flows')
    .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
    .execute();
}
