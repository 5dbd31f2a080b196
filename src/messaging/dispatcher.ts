import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import type { SecretBox } from '../domain/secrets.js';
import {
  claimDueMessages,
  markAttemptFailed,
  markSent,
  openMessageBody,
  purgeMessagingState,
} from './outbox.js';
import type { Transport } from './transports.js';

export interface DispatcherOptions {
  maxAttempts: number;
  retryBaseMs: number;
  pollMs: number;
  batchSize?: number;
  leaseSeconds?: number;
}

/**
 * Delivers outbox messages: polls for due ones (and is woken when one is written), retries with
 * exponential backoff, and marks a message failed after `maxAttempts`. A transport outage never
 * blocks a page: the page only wrote the outbox row.
 */
export class OutboxDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Db,
    /** Opens the sealed bodies (the key derived from SECRET_KEY). */
    private readonly box: SecretBox,
    private readonly transport: Transport,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.purgeTimer = setInterval(
      () => {
        purgeMessagingState(this.db).catch((error) =>
          this.logger.warn({ err: error }, 'outbox purge failed'),
        );
      },
      10 * 60 * 1000,
    );
    this.purgeTimer.unref();
    this.wake();
  }

  /** Runs a delivery round now (or right after the current one). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.stopped) return;
        const batch = await claimDueMessages(
          this.db,
          this.options.batchSize ?? 20,
          this.options.leaseSeconds ?? 60,
        );
        if (batch.length === 0) return;
        await Promise.all(batch.map((message) => this.deliver(message)));
      }
    } catch (error) {
      if (!this.stopped) this.logger.warn({ err: error }, 'outbox round failed');
    }
  }

  private async deliver(message: {
    id: string;
    channel: 'sms' | 'email';
    recipient: string;
    body: string | null;
    attempts: number;
  }) {
    let body: string | null;
    try {
      body = openMessageBody(this.box, message);
    } catch {
      body = null;
    }
    if (body === null) {
      // Sealed with another SECRET_KEY (or erased): no attempt can ever deliver it.
      this.logger.error({ messageId: message.id }, 'message body unreadable, delivery given up');
      await markAttemptFailed(this.db, message.id, 'contenu illisible (SECRET_KEY modifiée ?)', null);
      return;
    }
    try {
      await this.transport.send({ id: message.id, channel: message.channel, to: message.recipient, body });
      await markSent(this.db, message.id);
    } catch (error) {
      const reason = (error as Error).message || String(error);
      const finalAttempt = message.attempts >= this.options.maxAttempts;
      const retryIn = finalAttempt ? null : this.options.retryBaseMs * 2 ** (message.attempts - 1);
      if (finalAttempt)
        this.logger.error(
          { messageId: message.id, attempts: message.attempts, reason },
          'message delivery failed',
        );
      else
        this.logger.warn(
          { messageId: message.id, attempts: message.attempts, reason, retryIn },
          'message delivery will be retried',
        );
      await markAttemptFailed(this.db, message.id, reason, retryIn);
      if (retryIn !== null && retryIn < this.options.pollMs) {
        setTimeout(() => this.wake(), retryIn + 5).unref();
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    await this.running;
  }
}
