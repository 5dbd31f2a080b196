import { createHmac } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import { buildClientMetadata, clientRow, clientSecretBox } from './clients.js';

/** « Mon compte » is a relying party of this identity provider, registered at every start. */
export const ACCOUNT_PORTAL_CLIENT_ID = 'educonnect-compte';
export const ACCOUNT_PORTAL_CALLBACK = '/compte/retour';

/** Derived from SECRET_KEY: every server process (and a restart) computes the same secret, nothing to share. */
export function accountPortalSecret(config: Pick<Config, 'secretKey'>): string {
  return createHmac('sha256', config.secretKey).update('account-portal-client').digest('base64url');
}

/**
 * Registers (or updates, when ISSUER or SECRET_KEY changed) the portal's client: first-party (no
 * consent page), public subject (the portal needs the account itself, not a pseudonym).
 */
export async function registerAccountPortalClient(db: Db, config: Config): Promise<void> {
  const metadata = {
    ...buildClientMetadata(
      {
        name: 'ÉduConnect – Mon compte',
        clientId: ACCOUNT_PORTAL_CLIENT_ID,
        clientSecret: accountPortalSecret(config),
        redirectUris: [`${config.issuer}${ACCOUNT_PORTAL_CALLBACK}`],
        clientUri: `${config.issuer}/`,
        firstParty: true,
      },
      false,
    ),
    subject_type: 'public',
  };
  const row = clientRow(metadata, clientSecretBox(config.secretKey));
  await db
    .insertInto('oidc_clients')
    .values(row)
    .onConflict((oc) =>
      oc
        .column('client_id')
        .doUpdateSet({ name: row.name, metadata: row.metadata, secret_sealed: row.secret_sealed }),
    )
    .execute();
}
