import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { OutboxChannel } from '../db/schema.js';
import { parseEmailBody, SmtpEmailTransport } from './email.js';

export interface DeliveredMessage {
  /** The outbox message id: the same at every attempt (the gateway's idempotency key). */
  id: string;
  channel: OutboxChannel;
  to: string;
  body: string;
}

export interface Transport {
  readonly name: string;
  send(message: DeliveredMessage): Promise<void>;
}

/** How many delivered texts the log transport remembers for /dev/outbox. */
const REMEMBERED = 200;

/**
 * Development: the message goes to the log. The outbox erases a body once sent, so this transport
 * keeps the latest texts it delivered in memory, like the phone would: /dev/outbox shows them.
 */
export class LogTransport implements Transport {
  readonly name = 'log';
  private readonly delivered = new Map<string, string>();
  constructor(private readonly logger: Logger) {}
  async send(message: DeliveredMessage): Promise<void> {
    const email = message.channel === 'email' ? parseEmailBody(message.body) : null;
    this.logger.info(
      email
        ? { channel: message.channel, to: message.to, subject: email.subject, text: email.text }
        : { channel: message.channel, to: message.to, text: message.body },
      'message (log transport)',
    );
    this.delivered.set(message.id, message.body);
    if (this.delivered.size > REMEMBERED) this.delivered.delete(this.delivered.keys().next().value!);
  }
  /** The text delivered for this outbox message, while remembered. */
  deliveredText(id: string): string | undefined {
    return this.delivered.get(id);
  }
}

/**
 * An SMS gateway: POST `{to, text}` as JSON with a bearer token; anything but 2xx is a failure.
 * `Idempotency-Key` is the outbox message id, the same at every attempt: after a crash between the
 * gateway's answer and `markSent`, the message is sent again, and the gateway can drop the duplicate.
 */
export class HttpSmsTransport implements Transport {
  readonly name = 'http';
  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 10_000,
  ) {}
  async send(message: DeliveredMessage): Promise<void> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': message.id,
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: JSON.stringify({ to: message.to, text: message.body }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`passerelle SMS : HTTP ${response.status}`);
  }
}

/**
 * One transport per channel behind the one dispatcher (same outbox, retries and `outbox list`):
 * SMS to the gateway or the log, emails to SMTP or the log.
 */
export class ChannelTransports implements Transport {
  readonly name: string;
  constructor(
    private readonly sms: Transport,
    private readonly email: Transport,
  ) {
    this.name = `sms:${sms.name},email:${email.name}`;
  }
  send(message: DeliveredMessage): Promise<void> {
    return (message.channel === 'email' ? this.email : this.sms).send(message);
  }
  /** The text the log transport delivered for this outbox message (development's /dev/outbox). */
  deliveredText(id: string): string | undefined {
    for (const transport of [this.sms, this.email])
      if (transport instanceof LogTransport) {
        const text = transport.deliveredText(id);
        if (text !== undefined) return text;
      }
    return undefined;
  }
  close(): void {
    if (this.email instanceof SmtpEmailTransport) this.email.close();
  }
}

export function transportFor(config: Config, logger: Logger): ChannelTransports {
  const log = new LogTransport(logger);
  const sms =
    config.smsTransport === 'http' && config.smsHttpUrl
      ? new HttpSmsTransport(config.smsHttpUrl, config.smsHttpToken)
      : log;
  const email =
    config.emailTransport === 'smtp' && config.smtpUrl
      ? new SmtpEmailTransport(
          config.smtpUrl,
          config.emailFrom,
          new URL(config.issuer).hostname || 'localhost',
        )
      : log;
  return new ChannelTransports(sms, email);
}
