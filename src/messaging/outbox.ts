import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { OutboxChannel, OutboxStatus } from '../db/schema.js';
import { deriveSecret, SecretBox } from '../domain/secrets.js';

export interface OutgoingMessage {
  channel: OutboxChannel;
  to: string;
  body: string;
}

/**
 * Message bodies carry SMS codes: they are kept sealed (AES-256-GCM, key derived from SECRET_KEY,
 * bound to the channel and recipient) and erased as soon as the message is sent or given up.
 */
export function messageBox(secretKey: string): SecretBox {
  return new SecretBox(deriveSecret(secretKey, 'outbox'));
}

const bodyContext = (channel: OutboxChannel, recipient: string) => `${channel}:${recipient}`;

/**
 * The text of a stored body: opened with the box; a body written before bodies were sealed is
 * returned as it is; null once erased. Throws when the body was sealed with another SECRET_KEY.
 */
export function openMessageBody(
  box: SecretBox,
  message: { channel: OutboxChannel; recipient: string; body: string | null },
): string | null {
  if (message.body === null) return null;
  if (!SecretBox.isSealed(message.body)) return message.body;
  return box.open(message.body, bodyContext(message.channel, message.recipient));
}

/**
 * Queues a message. Call it with the transaction that writes the state the message reports, so
 * that both are kept or both are lost; the dispatcher delivers it afterwards.
 */
export async function enqueueMessage(db: Db, box: SecretBox, message: OutgoingMessage): Promise<string> {
  const row = await db
    .insertInto('outbox_messages')
    .values({
      channel: message.channel,
      recipient: message.to,
      body: box.seal(message.body, bodyContext(message.channel, message.to)),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface OutboxEntry {
  id: string;
  channel: OutboxChannel;
  to: string;
  /** As stored: sealed while pending, null once sent or given up (see openMessageBody). */
  sealedBody: string | null;
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
    sealedBody: row.body,
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
    body: string | null;
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

/** Delivered: the body is erased at once (the recipient has the text, nobody else needs it). */
export async function markSent(db: Db, id: string): Promise<void> {
  await db
    .updateTable('outbox_messages')
    .set({ status: 'sent', sent_at: sql`now()`, last_error: null, body: null })
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
        ? { status: 'failed', last_error: error.slice(0, 500), body: null }
        : {
            last_error: error.slice(0, 500),
            next_attempt_at: sql`now() + make_interval(secs => ${retryInMs / 1000})`,
          },
    )
    .where('id', '=', id)
    .execute();
}

/**
 * Housekeeping: delivered messages after 30 days (failed ones stay for inspection 90 days, both
 * without their bodies), rate-limit counters and SMS counters of past windows, and self-service
 * flows a day after they expired.
 */
export async function purgeMessagingState(db: Db): Promise<void> {
  await db
    .updateTable('outbox_messages')
    .set({ body: null })
    .where('status', '<>', 'pending')
    .where('body', 'is not', null)
    .execute();
  await db
    .deleteFrom('outbox_messages')
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'sent'), eb('created_at', '<', sql<Date>`now() - interval '30 days'`)]),
        eb.and([eb('status', '=', 'failed'), eb('created_at', '<', sql<Date>`now() - interval '90 days'`)]),
      ]),
    )
    .execute();
  // No longer written (the caps moved to rate_limits); rows left by an earlier version go.
  await db
    .deleteFrom('sms_send_counters')
    .where('window_start', '<', sql<Date>`now() - interval '2 hours'`)
    .execute();
  await db.deleteFrom('rate_limits').where('expires_at', '<', sql<Date>`now()`).execute();
  await db
    .deleteFrom('registry_flows')
    .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
    .execute();
}
