import { sql } from 'kysely';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';

interface StoredSession {
  uid?: string;
  accountId?: string;
  authorizations?: Record<string, { sid?: string; grantId?: string }>;
}

/** What oidc-provider's Client model offers for back-channel logout (not in its type definitions). */
interface BackchannelClient {
  backchannelLogoutUri?: string;
  backchannelLogout(accountId: string, sid: string): Promise<void>;
}

async function findClient(provider: Provider, clientId: string): Promise<BackchannelClient | undefined> {
  return (await provider.Client.find(clientId)) as unknown as BackchannelClient | undefined;
}

export interface AccountSessionsDeps {
  db: Db;
  provider: Provider;
  logger: Logger;
}

/**
 * Ends what an account is signed in with, after its password changed (or it was taken over): every
 * IdP session of the account but `keepSessionUid` (the one the person is using), every grant those
 * sessions held, and every refresh token of the account, including the kept session's. The database
 * changes are one transaction; then each service that registered a back-channel logout URI and was
 * signed in through an ended session is told (oidc-provider's logout token, failures only logged:
 * the sessions are ended whether or not a service answers).
 */
export async function endAccountSessions(
  { db, provider, logger }: AccountSessionsDeps,
  accountId: string,
  options: { keepSessionUid?: string } = {},
): Promise<void> {
  const ended = await db.transaction().execute(async (trx) => {
    const sessions = await trx
      .selectFrom('oidc_payloads')
      .select(['id', 'payload'])
      .where('kind', '=', 'Session')
      .where(sql<string>`payload->>'accountId'`, '=', accountId)
      .forUpdate()
      .execute();
    const kept = sessions.filter((s) => (s.payload as StoredSession).uid === options.keepSessionUid);
    const keptGrants = new Set(
      kept.flatMap((s) =>
        Object.values((s.payload as StoredSession).authorizations ?? {}).flatMap((a) =>
          a.grantId ? [a.grantId] : [],
        ),
      ),
    );
    const others = sessions.filter((s) => !kept.includes(s));
    if (others.length > 0)
      await trx
        .deleteFrom('oidc_payloads')
        .where('kind', '=', 'Session')
        .where(
          'id',
          'in',
          others.map((s) => s.id),
        )
        .execute();
    const grants = await trx
      .selectFrom('oidc_payloads')
      .select('id')
      .where('kind', '=', 'Grant')
      .where(sql<string>`payload->>'accountId'`, '=', accountId)
      .execute();
    const revoked = grants.map((g) => g.id).filter((id) => !keptGrants.has(id));
    if (revoked.length > 0) {
      // everything issued under these grants (codes, access and refresh tokens), then the grants
      await trx.deleteFrom('oidc_payloads').where('grant_id', 'in', revoked).execute();
      await trx.deleteFrom('oidc_payloads').where('kind', '=', 'Grant').where('id', 'in', revoked).execute();
    }
    if (keptGrants.size > 0)
      await trx
        .deleteFrom('oidc_payloads')
        .where('kind', '=', 'RefreshToken')
        .where('grant_id', 'in', [...keptGrants])
        .execute();
    return others.flatMap((s) =>
      Object.entries((s.payload as StoredSession).authorizations ?? {}).map(([clientId, a]) => ({
        clientId,
        sid: a.sid,
      })),
    );
  });
  await Promise.all(
    ended.map(async ({ clientId, sid }) => {
      try {
        const client = await findClient(provider, clientId);
        if (!client?.backchannelLogoutUri) return;
        await client.backchannelLogout(accountId, sid ?? '');
      } catch (error) {
        logger.warn({ err: error, clientId }, 'back-channel logout delivery failed');
      }
    }),
  );
}

/**
 * Withdraws one service's access (« Retirer l'accès »): its grants for this account and everything
 * issued under them, in one transaction, then a back-channel logout when the service registered for
 * it. Returns whether the service had anything to withdraw.
 */
export async function revokeClientAccess(
  { db, provider, logger }: AccountSessionsDeps,
  accountId: string,
  clientId: string,
): Promise<boolean> {
  const result = await db.transaction().execute(async (trx) => {
    const grants = await trx
      .selectFrom('oidc_payloads')
      .select('id')
      .where('kind', '=', 'Grant')
      .where(sql<string>`payload->>'accountId'`, '=', accountId)
      .where(sql<string>`payload->>'clientId'`, '=', clientId)
      .execute();
    const ids = grants.map((g) => g.id);
    if (ids.length === 0) return { revoked: false, sids: [] as string[] };
    await trx.deleteFrom('oidc_payloads').where('grant_id', 'in', ids).execute();
    await trx.deleteFrom('oidc_payloads').where('kind', '=', 'Grant').where('id', 'in', ids).execute();
    // the sessions forget the grant, so the next login asks again (or creates a new first-party grant)
    const sessions = await trx
      .selectFrom('oidc_payloads')
      .select(['id', 'payload'])
      .where('kind', '=', 'Session')
      .where(sql<string>`payload->>'accountId'`, '=', accountId)
      .forUpdate()
      .execute();
    const sids: string[] = [];
    for (const session of sessions) {
      const payload = session.payload as StoredSession;
      const authorization = payload.authorizations?.[clientId];
      if (!authorization) continue;
      if (authorization.sid) sids.push(authorization.sid);
      delete payload.authorizations![clientId];
      await trx
        .updateTable('oidc_payloads')
        .set({ payload: JSON.stringify(payload) })
        .where('kind', '=', 'Session')
        .where('id', '=', session.id)
        .execute();
    }
    return { revoked: true, sids };
  });
  if (result.revoked && result.sids.length > 0) {
    try {
      const client = await findClient(provider, clientId);
      if (client?.backchannelLogoutUri)
        await Promise.all(result.sids.map((sid) => client.backchannelLogout(accountId, sid)));
    } catch (error) {
      logger.warn({ err: error, clientId }, 'back-channel logout delivery failed');
    }
  }
  return result.revoked;
}
