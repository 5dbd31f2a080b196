import { CompiledQuery, type QueryResult, sql } from 'kysely';
import { type Adapter, type AdapterPayload, errors } from 'oidc-provider';
import type { Db } from '../db/database.js';
import type { SecretBox } from '../domain/secrets.js';
import { openClientMetadata } from './clients.js';

const CLIENT_CACHE_MS = 5_000;
/** Notification channel announcing a changed client (trigger of migration 0005). */
export const CLIENT_CHANGES = 'educonnect_clients';

// The provider's hot path (every page and token request) runs these few statements: plain SQL,
// compiled once, instead of building them with the query builder on each call.
const UPSERT = `insert into oidc_payloads (kind, id, payload, grant_id, user_code, uid, expires_at)
  values ($1, $2, $3, $4, $5, $6, $7)
  on conflict (kind, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
    user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at`;
const LIVE = '(expires_at is null or expires_at > now())';
const FIND_BY_ID = `select payload, consumed_at from oidc_payloads where kind = $1 and id = $2 and ${LIVE}`;
const FIND_BY_UID = `select payload, consumed_at from oidc_payloads where kind = $1 and uid = $2 and ${LIVE}`;
const FIND_BY_USER_CODE = `select payload, consumed_at from oidc_payloads where kind = $1 and user_code = $2 and ${LIVE}`;
const CONSUME = 'update oidc_payloads set consumed_at = now() where kind = $1 and id = $2';
const DESTROY = 'delete from oidc_payloads where kind = $1 and id = $2';

interface StoredRow {
  payload: Record<string, unknown>;
  consumed_at: Date | null;
}

/** PostgreSQL cannot store NUL in text (22021) nor \u0000 in jsonb (22P05). */
const UNSTORABLE = new Set(['22021', '22P05']);

/**
 * Runs one statement of the provider. A parameter PostgreSQL cannot store came from the request
 * (`state=%00`...): the request is invalid (a French 400 page), not the server (500).
 */
async function run<R>(db: Db, query: string, parameters: unknown[]): Promise<QueryResult<R>> {
  try {
    return await db.executeQuery<R>(CompiledQuery.raw(query, parameters));
  } catch (error) {
    if (UNSTORABLE.has((error as { code?: string }).code ?? ''))
      throw new errors.InvalidRequest('the request contains characters that cannot be stored');
    throw error;
  }
}

/** No stored key holds NUL (PostgreSQL refuses it): such a lookup finds nothing, without a query. */
const unstorableKey = (key: string) => key.includes('\u0000');

/**
 * Clients are read on nearly every request (authorize, interaction pages, token, userinfo): they are
 * kept a few seconds in memory, and dropped at once when the database announces a change
 * (`educonnect_clients` notifications, see migration 0005), so that the CLI's changes apply at once.
 */
export class ClientCache {
  private readonly entries = new Map<string, { metadata: AdapterPayload; until: number }>();

  constructor(private readonly ttlMs = CLIENT_CACHE_MS) {}

  get(id: string): AdapterPayload | undefined {
    const cached = this.entries.get(id);
    return cached && cached.until > Date.now() ? { ...cached.metadata } : undefined;
  }

  set(id: string, metadata: AdapterPayload): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(id, { metadata, until: Date.now() + this.ttlMs });
  }

  /** One client changed, or (no id) anything may have changed. */
  invalidate(id?: string): void {
    if (id) this.entries.delete(id);
    else this.entries.clear();
  }
}

/**
 * oidc-provider storage over kysely: one table for every model (sessions, interactions, codes,
 * tokens, grants...), keyed by (kind, id), with the lookups the provider needs indexed. Clients are
 * read from their own table, written by the `educonnect clients` command.
 */
export function createAdapterFactory(db: Db, clientSecrets: SecretBox, clients = new ClientCache()) {
  return class KyselyAdapter implements Adapter {
    constructor(private readonly kind: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
      await run(db, UPSERT, [
        this.kind,
        id,
        JSON.stringify(payload),
        payload.grantId ?? null,
        payload.userCode ?? null,
        payload.uid ?? null,
        expiresAt,
      ]);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (unstorableKey(id)) return undefined;
      if (this.kind === 'Client') {
        const cached = clients.get(id);
        if (cached) return cached;
        const client = await db
          .selectFrom('oidc_clients')
          .select(['metadata', 'secret_sealed'])
          .where('client_id', '=', id)
          .executeTakeFirst();
        const metadata =
          client && (openClientMetadata(client, clientSecrets, id) as AdapterPayload | undefined);
        if (metadata) clients.set(id, metadata);
        return metadata;
      }
      return this.first(FIND_BY_ID, id);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.first(FIND_BY_USER_CODE, userCode);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.first(FIND_BY_UID, uid);
    }

    private async first(query: string, value: string) {
      if (unstorableKey(value)) return undefined;
      const { rows } = await run<StoredRow>(db, query, [this.kind, value]);
      return rows[0] ? withConsumed(rows[0]) : undefined;
    }

    async consume(id: string): Promise<void> {
      await db.executeQuery(CompiledQuery.raw(CONSUME, [this.kind, id]));
    }

    async destroy(id: string): Promise<void> {
      await db.executeQuery(CompiledQuery.raw(DESTROY, [this.kind, id]));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
    }
  };
}

function withConsumed(row: StoredRow): AdapterPayload {
  const payload = row.payload as AdapterPayload;
  if (row.consumed_at) payload.consumed = Math.floor(new Date(row.consumed_at).getTime() / 1000);
  return payload;
}

/** Deletes expired rows in batches; returns how many were removed. */
export async function purgeExpired(db: Db, batchSize = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await sql`
      delete from oidc_payloads where ctid in (
        select ctid from oidc_payloads where expires_at < now() limit ${batchSize}
      )`.execute(db);
    const removed = Number(result.numAffectedRows ?? 0n);
    total += removed;
    if (removed < batchSize) return total;
  }
}
