import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClientMetadata, clientRow, clientSecretBox } from '../../src/oidc/clients.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { TestRelyingParty } from '../helpers/relying-party.js';

/** Client authentication at the revocation endpoint (client_secret_basic): 200 or 401 invalid_client. */
async function authenticates(idp: TestIdp, clientId: string, secret: string): Promise<number> {
  const response = await fetch(`${idp.baseUrl}/token/revocation`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'token=inconnu',
  });
  await response.arrayBuffer();
  return response.status;
}

describe.each(DATABASE_KINDS)('client secrets at rest on %s', (kind) => {
  let database: TestDatabase;
  let idp: TestIdp;
  const legacy = buildClientMetadata(
    { clientId: 'ancien-ent', name: 'ENT enregistré avant', redirectUris: ['https://ancien.example.fr/cb'] },
    false,
  );

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    // A row as an earlier version wrote it: the secret in clear in the metadata.
    await database.db
      .insertInto('oidc_clients')
      .values({ client_id: legacy.client_id, name: legacy.client_name, metadata: JSON.stringify(legacy) })
      .execute();
    idp = await startTestIdp(kind, { database });
  });
  afterAll(async () => {
    await idp?.stop();
    await database?.destroy();
  });

  const row = (clientId: string) =>
    idp.database.db
      .selectFrom('oidc_clients')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirstOrThrow();

  it('seals at start a secret an earlier version kept in clear, and the client still authenticates', async () => {
    const stored = await row(legacy.client_id);
    expect(stored.metadata).not.toHaveProperty('client_secret');
    expect(stored.secret_sealed).toMatch(/^v1\./);
    expect(JSON.stringify(stored)).not.toContain(legacy.client_secret);
    expect(await authenticates(idp, legacy.client_id, legacy.client_secret)).toBe(200);
    expect(await authenticates(idp, legacy.client_id, `${legacy.client_secret}x`)).toBe(401);
  });

  it('keeps a new client secret only sealed; the secret shown at registration authenticates', async () => {
    const rp = await TestRelyingParty.register(idp, { name: 'ENT neuf' });
    const stored = await row(rp.client.client_id);
    expect(stored.metadata).not.toHaveProperty('client_secret');
    expect(JSON.stringify(stored)).not.toContain(rp.client.client_secret);
    expect(await authenticates(idp, rp.client.client_id, rp.client.client_secret)).toBe(200);
    expect(await authenticates(idp, rp.client.client_id, 'pas-le-bon-secret')).toBe(401);
  });

  it('does not open a secret sealed under another SECRET_KEY, nor one moved to another client', async () => {
    const foreign = buildClientMetadata(
      { clientId: 'autre-cle', name: 'Autre clé', redirectUris: ['https://autre.example.fr/cb'] },
      false,
    );
    await idp.database.db
      .insertInto('oidc_clients')
      .values(clientRow(foreign, clientSecretBox('une-autre-cle-secrete-de-32-caracteres-au-moins')))
      .execute();
    expect(await authenticates(idp, foreign.client_id, foreign.client_secret)).toBe(401);

    const original = buildClientMetadata(
      { clientId: 'original', name: 'Original', redirectUris: ['https://original.example.fr/cb'] },
      false,
    );
    const sealed = clientRow(original, clientSecretBox(idp.config.secretKey));
    const copy = buildClientMetadata(
      { clientId: 'copie', name: 'Copie', redirectUris: ['https://copie.example.fr/cb'] },
      false,
    );
    await idp.database.db
      .insertInto('oidc_clients')
      .values({
        ...clientRow(copy, clientSecretBox(idp.config.secretKey)),
        secret_sealed: sealed.secret_sealed,
      })
      .execute();
    expect(await authenticates(idp, copy.client_id, original.client_secret)).toBe(401);
  });
});
