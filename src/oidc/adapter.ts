import { sql } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Db } from '../db/database.js';

const CLIENT_CACHE_MS = 5_000;

/**
 * oidc-provider storage over kysely: one table for every model (sessions, interactions, codes,
 * tokens, grants...), keyed by (kind, id), with the lookups the provider needs indexed. Clients are
 * read from their own table, written by the `educonnect clients` command.
 */
export function createAdapterFactory(db: Db, clientCacheMs = CLIENT_CACHE_MS) {
  // Clients are read on nearly every request (authorize, interaction pages, token, userinfo): keep
  // them a few seconds in memory. A client removed or changed by the CLI takes effect within that.
  const clients = new Map<string, { metadata: AdapterPayload | undefined; until: number }>();
  return class KyselyAdapter implements Adapter {
    constructor(private readonly kind: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
      const row = {
        kind: this.kind,
        id,
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        user_code: payload.userCode ?? null,
        uid: payload.uid ?? null,
        expires_at: expiresAt,
      };
      await db
        .insertInto('oidc_payloads')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['kind', 'id']).doUpdateSet({
            payload: row.payload,
            grant_id: row.grant_id,
            user_code: row.user_code,
            uid: row.uid,
            expires_at: row.expires_at,
          }),
        )
        .execute();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.kind === 'Client') {
        const cached = clients.get(id);
        if (cached && cached.until > Date.now()) return cached.metadata && { ...cached.metadata };
        const client = await db
          .selectFrom('oidc_clients')
          .select('metadata')
          .where('client_id', '=', id)
          .executeTakeFirst();
        const metadata = client?.metadata as AdapterPayload | undefined;
        if (metadata && clientCacheMs > 0) {
          if (clients.size > 10_000) clients.clear();
          clients.set(id, { metadata, until: Date.now() + clientCacheMs });
        }
        return metadata;
      }
      const row = await db
        .selectFrom('oidc_payloads')
        .select(['payload', 'consumed_at'])
        .where('kind', '=', this.kind)
        .where('id', '=', id)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
        .executeTakeFirst();
      return row ? withConsumed(row) : undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findBy('user_code', userCode);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.findBy('uid', uid);
    }

    private async findBy(column: 'user_code' | 'uid', value: string) {
      const row = await db
        .selectFrom('oidc_payloads')
        .select(['payload', 'consumed_at'])
        .where('kind', '=', this.kind)
        .where(column, '=', value)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
        .executeTakeFirst();
      return row ? withConsumed(row) : undefined;
    }

    async consume(id: string): Promise<void> {
      await db
        .updateTable('oidc_payloads')
        .set({ consumed_at: sql`now()` })
        .where('kind', '=', this.kind)
        .where('id', '=', id)
        .execute();
    }

    async destroy(id: string): Promise<void> {
      await db.deleteFrom('oidc_payloads').where('kind', '=', this.kind).where('id', '=', id).execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
    }
  };
}

function withConsumed(row: { payload: Record<string, unknown>; consumed_at: Date | null }): AdapterPayload {
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
