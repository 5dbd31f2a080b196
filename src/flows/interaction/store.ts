import type { Db } from '../../db/database.js';

/** Where to send a user whose interaction expired: the homepage of the service that sent them. */
export async function serviceHomeForInteraction(
  db: Db,
  uid: string | undefined,
): Promise<string | undefined> {
  if (!uid || !/^[A-Za-z0-9_-]{1,64}$/.test(uid)) return undefined;
  const interaction = await db
    .selectFrom('oidc_payloads')
    .select('payload')
    .where('kind', '=', 'Interaction')
    .where('id', '=', uid)
    .executeTakeFirst();
  const clientId = (interaction?.payload as { params?: { client_id?: unknown } } | undefined)?.params
    ?.client_id;
  if (typeof clientId !== 'string') return undefined;
  const row = await db
    .selectFrom('oidc_clients')
    .select('metadata')
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  const uri = (row?.metadata as { client_uri?: string } | undefined)?.client_uri;
  return typeof uri === 'string' && /^https?:\/\//.test(uri) ? uri : undefined;
}
