import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { OutboxChannel } from '../db/schema.js';

export interface Transport {
  readonly name: string;
  send(message: { channel: OutboxChannel; to: string; body: string }): Promise<void>;
}

/** Development: the message goes to the log (and stays readable at /dev/outbox). */
export class LogTransport implements Transport {
  readonly name = 'log';
  constructor(private readonly logger: Logger) {}
  async send(message: { channel: OutboxChannel; to: string; body: string }): Promise<void> {
    this.logger.info(
      { channel: message.channel, to: message.to, text: message.body },
      'message (log transport)',
    );
  }
}

/** An SMS gateway: POST `{to, text}` as JSON with a bearer token; anything but 2xx is a failure. */
export class HttpSmsTransport implements Transport {
  readonly name = 'http';
  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 10_000,
  ) {}
  async send(message: { channel: OutboxChannel; to: string; body: string }): Promise<void> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: JSON.stringify({ to: message.to, text: message.body }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`passerelle SMS : HTTP ${response.status}`);
  }
}

export function transportFor(config: Config, logger: Logger): Transport {
  return config.smsTransport === 'http' && config.smsHttpUrl
    ? new HttpSmsTransport(config.smsHttpUrl, config.smsHttpToken)
    : new LogTransport(logger);
}
