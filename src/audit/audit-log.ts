import type { Logger } from 'pino';
import type { Db } from '../db/database.js';

export interface AuditEntry {
  event: string;
  accountId?: string | null;
  clientId?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown>;
}

/** Appends to the audit table; an audit failure is logged, never shown to the user. */
export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  async record(entry: AuditEntry, db: Db = this.db): Promise<void> {
    try {
      await db
        .insertInto('audit_events')
        .values({
          event: entry.event,
          account_id: entry.accountId ?? null,
          client_id: entry.clientId ?? null,
          ip: entry.ip ?? null,
          detail: JSON.stringify(entry.detail ?? {}),
        })
        .execute();
    } catch (error) {
      this.logger.error({ err: error, event: entry.event }, 'audit write failed');
    }
  }
}
