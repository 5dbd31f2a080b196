import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { NewAccount } from '../db/schema.js';
import type { PasswordHasher } from '../domain/accounts/password-hasher.js';
import { buildClientMetadata, clientRow, clientSecretBox } from '../oidc/clients.js';
import { seedDemoAtenDirectory } from './aten/seed.js';
import { DEMO_CLIENT_ID, demoClientSecret } from './client.js';
import { seedDemoRegistry } from './registry.js';

export const DEMO_PASSWORD = 'Cartable#2026';
export const DEMO_TEMPORARY_PASSWORD = 'Provisoire#2026';

export interface DemoAccount {
  identifier: string;
  profile: NewAccount['profile'];
  given_name: string;
  family_name: string;
  birth_date?: string;
  temporary?: boolean;
}

/** Accounts listed in the README; the registry seed links the pupils to their establishments. */
export const DEMO_ACCOUNTS: DemoAccount[] = [
  { identifier: 'c.martin12', profile: 'responsable_legal', given_name: 'Claire', family_name: 'Martin' },
  {
    identifier: 'l.martin45',
    profile: 'eleve',
    given_name: 'Lucas',
    family_name: 'Martin',
    birth_date: '2011-03-14',
  },
  {
    identifier: 'i.nguyen27',
    profile: 'eleve',
    given_name: 'Inès',
    family_name: 'Nguyen',
    birth_date: '2009-11-02',
    temporary: true,
  },
];

/** Idempotent: creates the demo ENT client and accounts if they are missing. Never runs in production. */
export async function seedDemoData(db: Db, config: Config, hasher: PasswordHasher): Promise<void> {
  if (config.production) throw new Error('demo data is never loaded in production');
  // The demo ENT's URIs follow ENT_BASE_URL / ENT_PORT and its secret SECRET_KEY: kept in step at each start.
  const ent = config.entBaseUrl;
  const demoClient = buildClientMetadata(
    {
      clientId: DEMO_CLIENT_ID,
      clientSecret: demoClientSecret(config),
      name: 'ENT de démonstration',
      redirectUris: [`${ent}/auth/callback`],
      postLogoutRedirectUris: [`${ent}/`],
      backchannelLogoutUri: `${ent}/auth/backchannel-logout`,
      clientUri: `${ent}/`,
      firstParty: true,
    },
    false,
  );
  const row = clientRow(demoClient, clientSecretBox(config.secretKey));
  await db
    .insertInto('oidc_clients')
    .values(row)
    .onConflict((oc) =>
      oc.column('client_id').doUpdateSet({ metadata: row.metadata, secret_sealed: row.secret_sealed }),
    )
    .execute();
  const [password, temporary] = await Promise.all([
    hasher.hash(DEMO_PASSWORD),
    hasher.hash(DEMO_TEMPORARY_PASSWORD),
  ]);
  for (const demo of DEMO_ACCOUNTS) {
    await db
      .insertInto('accounts')
      .values({
        identifier: demo.identifier,
        profile: demo.profile,
        given_name: demo.given_name,
        family_name: demo.family_name,
        birth_date: demo.birth_date ?? null,
        password_hash: demo.temporary ? temporary : password,
        must_change_password: Boolean(demo.temporary),
      })
      .onConflict((oc) => oc.column('identifier').doNothing())
      .execute();
  }
  await seedDemoRegistry(db);
  await seedDemoAtenDirectory(db, hasher);
}
