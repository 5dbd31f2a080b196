/**
 * The people of the local FranceConnect, as an identity provider (impots.gouv.fr, ameli.fr…) would
 * certify them. Claire Martin and Sophie Durand are parents of the demo registry; Antoine Bernard is
 * unknown to it.
 */
export interface DemoIdentity {
  id: string;
  given_name: string;
  family_name: string;
  birthdate: string;
  gender: 'female' | 'male';
  /** INSEE code of the birthplace (commune). */
  birthplace: string;
  /** INSEE code of the country, 99100 = France. */
  birthcountry: string;
  email: string;
  preferred_username?: string;
}

export const DEMO_IDENTITIES: DemoIdentity[] = [
  {
    id: 'fc-claire-martin',
    given_name: 'Claire Marie',
    family_name: 'Martin',
    birthdate: '1979-06-14',
    gender: 'female',
    birthplace: '86194',
    birthcountry: '99100',
    email: 'claire.martin@example.fr',
  },
  {
    id: 'fc-sophie-durand',
    given_name: 'Sophie',
    family_name: 'Durand',
    birthdate: '1981-02-03',
    gender: 'female',
    birthplace: '75056',
    birthcountry: '99100',
    email: 'sophie.durand@example.fr',
  },
  {
    id: 'fc-antoine-bernard',
    given_name: 'Antoine',
    family_name: 'Bernard',
    birthdate: '1975-11-22',
    gender: 'male',
    birthplace: '33063',
    birthcountry: '99100',
    email: 'antoine.bernard@example.fr',
  },
];

/** The identity providers offered on the first page (names only: every one certifies the same people). */
export const DEMO_IDENTITY_PROVIDERS = [
  { id: 'impots', name: 'impots.gouv.fr' },
  { id: 'ameli', name: "l'Assurance Maladie" },
  { id: 'laposte', name: "L'Identité Numérique La Poste" },
];

export function findDemoIdentity(id: unknown): DemoIdentity | undefined {
  return DEMO_IDENTITIES.find((identity) => identity.id === id);
}
