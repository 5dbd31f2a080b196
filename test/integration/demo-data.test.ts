import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { DEMO_CLIENT_ID, demoClientSecret } from '../../src/demo/client.js';
import { seedDemoData } from '../../src/demo/demo-data.js';
import { PasswordHasher } from '../../src/domain/accounts/password-hasher.js';
import { clientSecretBox, openClientMetadata } from '../../src/oidc/clients.js';
import { countRows, createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';

describe.each(DATABASE_KINDS)('demo data on %s', (kind) => {
  let database: TestDatabase;
  const hasher = new PasswordHasher(1);

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await hasher.close();
    await database?.destroy();
  });

  const config = (entPort: string) =>
    loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: database.dataDir,
      ENT_PORT: entPort,
      SECRET_KEY: 'k'.repeat(40),
      COOKIE_KEYS: 'c'.repeat(40),
    });

  it('is idempotent and keeps the demo ENT client in step with ENT_PORT and SECRET_KEY', async () => {
    await seedDemoData(database.db, config('4000'), hasher);
    const counts = async () => ({
      accounts: await countRows(database.db, 'accounts'),
      clients: await countRows(database.db, 'oidc_clients'),
      pupils: await countRows(database.db, 'pupils'),
    });
    const first = await counts();
    await seedDemoData(database.db, config('4100'), hasher);
    expect(await counts()).toEqual(first);
    const client = await database.db
      .selectFrom('oidc_clients')
      .select(['metadata', 'secret_sealed'])
      .where('client_id', '=', DEMO_CLIENT_ID)
      .executeTakeFirstOrThrow();
    // The secret is kept sealed with a key derived from SECRET_KEY, not in the metadata.
    expect(client.metadata).not.toHaveProperty('client_secret');
    expect(JSON.stringify(client)).not.toContain(demoClientSecret(config('4100')));
    const metadata = openClientMetadata(
      client,
      clientSecretBox(config('4100').secretKey),
      DEMO_CLIENT_ID,
    ) as {
      redirect_uris: string[];
      client_secret: string;
      first_party: boolean;
    };
    expect(metadata.redirect_uris).toEqual(['http://localhost:4100/auth/callback']);
    expect(metadata.client_secret).toBe(demoClientSecret(config('4100')));
    expect(metadata.first_party).toBe(true);
  });

  it('is never loaded in production', async () => {
    const production = { ...config('4000'), production: true };
    await expect(seedDemoData(database.db, production, hasher)).rejects.toThrow(/never loaded in production/);
  });
});
