import { createHmac } from 'node:crypto';
import type { Configuration } from 'oidc-provider';
import type { Db } from '../db/database.js';
import type { Account, EstablishmentKind } from '../db/schema.js';
import { findAccountById } from '../domain/accounts/accounts.js';

type FindAccount = NonNullable<Configuration['findAccount']>;

/** Scopes and the claims each releases. `educonnect` carries the school-related identity. */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['family_name', 'given_name', 'name', 'birthdate', 'updated_at'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  educonnect: ['educonnect_profile', 'affiliation', 'establishments', 'pupils', 'establishment', 'level'],
} as const;

export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'votre identifiant de connexion à ce service (pseudonyme propre à ce service)',
  profile: 'vos nom, prénom et, pour un élève, votre date de naissance',
  email: 'votre adresse électronique',
  phone: 'votre numéro de téléphone portable',
  educonnect:
    'votre profil, vos établissements et, pour un représentant légal, les élèves qui vous sont rattachés',
  offline_access: "l'accès à ces informations lorsque vous n'êtes pas connecté",
};

export interface EstablishmentClaim {
  uai: string;
  name: string;
  kind: EstablishmentKind;
  town: string | null;
}

export interface PupilClaim {
  id: string;
  given_name: string;
  family_name: string;
  birthdate: string;
  level: string | null;
  establishment: EstablishmentClaim;
}

/** A per-service opaque identifier (96 hex characters, like FrEduCtId). */
export function pairwiseId(secret: Buffer, clientId: string, localId: string): string {
  return createHmac('sha384', secret).update(`${clientId}\u0000${localId}`).digest('hex');
}

function degree(kind: EstablishmentKind): '1d' | '2d' {
  return kind === 'ecole' ? '1d' : '2d';
}

/** Everything the `educonnect` scope releases for one account, as seen by one client. */
export async function loadEduconnectClaims(db: Db, secret: Buffer, clientId: string, account: Account) {
  if (account.profile === 'eleve') {
    const pupil = await db
      .selectFrom('pupils')
      .innerJoin('establishments', 'establishments.uai', 'pupils.establishment_uai')
      .select([
        'pupils.level',
        'establishments.uai',
        'establishments.name',
        'establishments.kind',
        'establishments.town',
      ])
      .where('pupils.account_id', '=', account.id)
      .executeTakeFirst();
    const establishment = pupil
      ? { uai: pupil.uai, name: pupil.name, kind: pupil.kind, town: pupil.town }
      : null;
    return {
      educonnect_profile: 'eleve',
      affiliation: [`eleve${establishment ? degree(establishment.kind) : '2d'}`],
      establishment,
      establishments: establishment ? [establishment] : [],
      level: pupil?.level ?? null,
    };
  }
  const rows = await db
    .selectFrom('account_pupils')
    .innerJoin('pupils', 'pupils.id', 'account_pupils.pupil_id')
    .innerJoin('establishments', 'establishments.uai', 'pupils.establishment_uai')
    .select([
      'pupils.id',
      'pupils.given_name',
      'pupils.family_name',
      'pupils.birth_date',
      'pupils.level',
      'establishments.uai',
      'establishments.name',
      'establishments.kind',
      'establishments.town',
    ])
    .where('account_pupils.account_id', '=', account.id)
    .orderBy('pupils.given_name')
    .execute();
  const establishments = new Map<string, EstablishmentClaim>();
  const pupils: PupilClaim[] = rows.map((row) => {
    const establishment = { uai: row.uai, name: row.name, kind: row.kind, town: row.town };
    establishments.set(row.uai, establishment);
    return {
      id: pairwiseId(secret, clientId, row.id),
      given_name: row.given_name,
      family_name: row.family_name,
      birthdate: row.birth_date,
      level: row.level,
      establishment,
    };
  });
  const affiliation = [...new Set([...establishments.values()].map((e) => `resp${degree(e.kind)}`))];
  return {
    educonnect_profile: 'responsable_legal',
    affiliation: affiliation.length > 0 ? affiliation : ['resp2d'],
    establishments: [...establishments.values()],
    pupils,
  };
}

/**
 * The provider's `findAccount`: active accounts only, with the claims of the scopes granted. ID
 * tokens carry only what the claims parameter asks for (conformIdTokenClaims), so the registry query
 * runs for them only when an educonnect claim was requested for the ID token itself.
 */
export function findAccountWithClaims(db: Db, pairwiseSecret: Buffer): FindAccount {
  return async (ctx, sub) => {
    const account = await findAccountById(db, sub);
    if (account?.status !== 'active') return undefined;
    return {
      accountId: account.id,
      async claims(use, scope, requested) {
        const scopes = new Set(scope.split(' '));
        const claims: Record<string, unknown> = { sub: account.id, ...standardClaims(account, scopes) };
        const wanted =
          use === 'userinfo' || SCOPE_CLAIMS.educonnect.some((name) => requested && name in requested);
        if (scopes.has('educonnect') && wanted) {
          const clientId = ctx.oidc.client?.clientId ?? '';
          Object.assign(claims, await loadEduconnectClaims(db, pairwiseSecret, clientId, account));
        }
        return claims as { sub: string };
      },
    };
  };
}

/** The OpenID Connect claims of the `profile`, `email` and `phone` scopes. */
function standardClaims(account: Account, scopes: Set<string>): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (scopes.has('profile')) {
    claims.family_name = account.family_name;
    claims.given_name = account.given_name;
    claims.name = `${account.given_name} ${account.family_name}`;
    claims.updated_at = Math.floor(new Date(account.updated_at).getTime() / 1000);
    if (account.birth_date) claims.birthdate = account.birth_date;
  }
  if (scopes.has('email') && account.email) {
    claims.email = account.email;
    claims.email_verified = account.email_verified;
  }
  if (scopes.has('phone') && account.phone) {
    claims.phone_number = account.phone;
    claims.phone_number_verified = true;
  }
  return claims;
}
