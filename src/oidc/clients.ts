import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { deriveSecret, SecretBox } from '../domain/secrets.js';

export interface ClientRegistration {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  backchannelLogoutUri?: string;
  clientUri?: string;
  firstParty?: boolean;
  idTokenAlg?: string;
  clientId?: string;
  clientSecret?: string;
}

export interface RegisteredClient {
  client_id: string;
  client_secret: string;
  client_name: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  backchannel_logout_uri?: string;
  client_uri?: string;
  first_party: boolean;
  id_token_signed_response_alg: 'RS256' | 'ES256';
}

export class ClientValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientValidationError';
  }
}

/** Redirect URIs: absolute, no fragment, https except on localhost (exact match is done by the provider). */
export function validateUri(label: string, value: string, production: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ClientValidationError(`${label} n'est pas une URL absolue : « ${value} »`);
  }
  if (url.hash)
    throw new ClientValidationError(`${label} ne doit pas contenir de fragment (#) : « ${value} »`);
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (local || !production))) {
    throw new ClientValidationError(`${label} doit être en https:// : « ${value} »`);
  }
  return value;
}

/** Validated client metadata as oidc-provider reads it (secret generated unless given). */
export function buildClientMetadata(registration: ClientRegistration, production: boolean): RegisteredClient {
  const name = registration.name.trim();
  if (!name || name.length > 200)
    throw new ClientValidationError('Le nom du service est obligatoire (200 caractères au plus).');
  if (registration.redirectUris.length === 0)
    throw new ClientValidationError('Au moins une --redirect-uri est obligatoire.');
  const metadata: RegisteredClient = {
    client_id: registration.clientId ?? randomUUID(),
    client_secret: registration.clientSecret ?? randomBytes(32).toString('base64url'),
    client_name: name,
    redirect_uris: registration.redirectUris.map((u) => validateUri('--redirect-uri', u, production)),
    post_logout_redirect_uris: (registration.postLogoutRedirectUris ?? []).map((u) =>
      validateUri('--post-logout-redirect-uri', u, production),
    ),
    first_party: Boolean(registration.firstParty),
    id_token_signed_response_alg: 'RS256',
  };
  if (registration.idTokenAlg !== undefined) {
    if (registration.idTokenAlg !== 'RS256' && registration.idTokenAlg !== 'ES256') {
      throw new ClientValidationError('--id-token-alg doit valoir RS256 ou ES256');
    }
    metadata.id_token_signed_response_alg = registration.idTokenAlg;
  }
  if (registration.backchannelLogoutUri) {
    metadata.backchannel_logout_uri = validateUri(
      '--backchannel-logout-uri',
      registration.backchannelLogoutUri,
      production,
    );
  }
  if (registration.clientUri)
    metadata.client_uri = validateUri('--client-uri', registration.clientUri, production);
  const hosts = new Set(metadata.redirect_uris.map((u) => new URL(u).host));
  if (hosts.size > 1) {
    throw new ClientValidationError(
      'Toutes les --redirect-uri doivent avoir le même hôte (identifiants pseudonymes par service).',
    );
  }
  return metadata;
}

/**
 * Client secrets are kept sealed (AES-256-GCM, key derived from SECRET_KEY, bound to the client id),
 * never in `metadata`: a copy of the database alone does not give them. The secret is shown once,
 * when the client is registered; the provider gets it from the adapter, opened in memory.
 */
export function clientSecretBox(secretKey: string): SecretBox {
  return new SecretBox(deriveSecret(secretKey, 'client-secret'));
}

/** The `oidc_clients` row of a client: metadata without the secret, the secret sealed beside it. */
export function clientRow(metadata: RegisteredClient, box: SecretBox) {
  const { client_secret: secret, ...stored } = metadata;
  return {
    client_id: metadata.client_id,
    name: metadata.client_name,
    metadata: JSON.stringify(stored),
    secret_sealed: box.seal(secret, metadata.client_id),
  };
}

/**
 * Client metadata as oidc-provider reads it, the secret opened. A row written before secrets were
 * sealed still has it in `metadata` (sealed at the next start, see sealLegacyClientSecrets).
 * Undefined when the secret was sealed under another SECRET_KEY: the client is then unknown.
 */
export function openClientMetadata(
  row: { metadata: Record<string, unknown>; secret_sealed: string | null },
  box: SecretBox,
  clientId: string,
): Record<string, unknown> | undefined {
  if (row.secret_sealed === null) return row.metadata;
  try {
    return { ...row.metadata, client_secret: box.open(row.secret_sealed, clientId) };
  } catch {
    return undefined;
  }
}

/**
 * Seals the secrets still kept in clear by an earlier version, in one transaction; returns how many.
 * Idempotent: `secret_sealed is null` makes a concurrent start (another process) harmless.
 */
export async function sealLegacyClientSecrets(db: Db, box: SecretBox): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const legacy = await trx
      .selectFrom('oidc_clients')
      .select(['client_id', 'metadata'])
      .where('secret_sealed', 'is', null)
      .forUpdate()
      .execute();
    let sealed = 0;
    for (const row of legacy) {
      const metadata = row.metadata as { client_secret?: unknown };
      if (typeof metadata.client_secret !== 'string') continue;
      const { client_secret: secret, ...rest } = metadata;
      const updated = await trx
        .updateTable('oidc_clients')
        .set({ metadata: JSON.stringify(rest), secret_sealed: box.seal(secret, row.client_id) })
        .where('client_id', '=', row.client_id)
        .where('secret_sealed', 'is', null)
        .executeTakeFirst();
      sealed += Number(updated.numUpdatedRows);
    }
    return sealed;
  });
}

/** Registers a client; the secret in the result is the only time it is shown. */
export async function addClient(
  db: Db,
  registration: ClientRegistration,
  production: boolean,
  box: SecretBox,
): Promise<RegisteredClient> {
  const metadata = buildClientMetadata(registration, production);
  await db.insertInto('oidc_clients').values(clientRow(metadata, box)).execute();
  return metadata;
}

export async function listClients(db: Db) {
  const rows = await db
    .selectFrom('oidc_clients')
    .select(['client_id', 'name', 'metadata', 'created_at'])
    .orderBy('created_at')
    .execute();
  return rows.map((row) => {
    const m = row.metadata as unknown as RegisteredClient;
    return {
      client_id: row.client_id,
      client_name: row.name,
      redirect_uris: m.redirect_uris,
      post_logout_redirect_uris: m.post_logout_redirect_uris,
      backchannel_logout_uri: m.backchannel_logout_uri,
      first_party: m.first_party,
      created_at: new Date(row.created_at).toISOString(),
    };
  });
}

/** Removes a client and everything issued to it (tokens, grants, sessions' entries stay harmless). */
export async function removeClient(db: Db, clientId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const deleted = await trx.deleteFrom('oidc_clients').where('client_id', '=', clientId).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) return false;
    await trx
      .deleteFrom('oidc_payloads')
      .where((eb) => eb(eb.ref('payload', '->>').key('clientId' as never), '=', clientId))
      .execute();
    return true;
  });
}
