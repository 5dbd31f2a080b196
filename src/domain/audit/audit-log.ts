import type { Logger } from 'pino';
import type { Db } from '../../db/database.js';

export interface AuditEntry {
  event: string;
  accountId?: string | null;
  clientId?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown>;
}

const BATCH_DELAY_MS = 50;
const BATCH_MAX = 200;

function toRow(entry: AuditEntry) {
  return {
    event: entry.event,
    account_id: entry.accountId ?? null,
    client_id: entry.clientId ?? null,
    ip: entry.ip ?? null,
    detail: JSON.stringify(entry.detail ?? {}),
  };
}

/** Appends to the audit table; an audit failure is logged, never shown to the user. */
export class AuditLog {
  private batch: AuditEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  /** Writes one entry now (inside `db` when it is a transaction, so it commits with the change it records). */
  async record(entry: AuditEntry, db: Db = this.db): Promise<void> {
    try {
      await db.insertInto('audit_events').values(toRow(entry)).execute();
    } catch (error) {
      this.logger.error({ err: error, event: entry.event }, 'audit write failed');
    }
  }

  /**
   * For high-volume events raised by the provider (tokens issued): written within 50 ms, many per
   * INSERT, so that each token response does not pay an INSERT and a commit of its own.
   */
  enqueue(entry: AuditEntry): void {
    this.batch.push(entry);
    if (this.batch.length >= BATCH_MAX) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), BATCH_DELAY_MS);
  }

  /** Writes what is queued; resolves once it is in the table. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const entries = this.batch;
    this.batch = [];
    if (entries.length === 0) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      try {
        await this.db.insertInto('audit_events').values(entries.map(toRow)).execute();
      } catch (error) {
        this.logger.error({ err: error, count: entries.length }, 'audit batch write failed');
      }
    });
    return this.flushing;
  }
}
