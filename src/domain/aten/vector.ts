import type { Profile } from '../../db/schema.js';

/**
 * One legacy ATEN `FrEduVecteur` value: `profil|nom|prénom|eleveId|UAI`. Profil 1 and 2 are a legal
 * representative (the vector names one of their children by eleveId), 3 and 4 a pupil (their own
 * eleveId). nom and prénom are the account holder's.
 */
export interface AtenVector {
  profile: Profile;
  familyName: string;
  givenName: string;
  /** The pupil's id in the school registry (`eleve_id` of the registry export). */
  pupilRegistryId: string;
  uai: string;
}

const UAI = /^[0-9]{7}[A-Z]$/;
const REGISTRY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const LETTER = /\p{L}/u;

/** The vector, or undefined when it is not `profil|nom|prénom|eleveId|UAI` with valid parts. */
export function parseVector(value: string): AtenVector | undefined {
  const parts = value.split('|').map((part) => part.trim());
  if (parts.length !== 5) return undefined;
  const [profil, familyName, givenName, pupilRegistryId, uai] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  const profile: Profile | undefined =
    profil === '1' || profil === '2'
      ? 'responsable_legal'
      : profil === '3' || profil === '4'
        ? 'eleve'
        : undefined;
  if (!profile || !LETTER.test(familyName) || !LETTER.test(givenName)) return undefined;
  if (familyName.length > 100 || givenName.length > 100) return undefined;
  if (!REGISTRY_ID.test(pupilRegistryId) || !UAI.test(uai.toUpperCase())) return undefined;
  return { profile, familyName, givenName, pupilRegistryId, uai: uai.toUpperCase() };
}

export interface AtenIdentity {
  profile: Profile;
  familyName: string;
  givenName: string;
  vectors: AtenVector[];
}

/**
 * What an ATEN account says about its holder: one profile and name across its vectors. Undefined when
 * it has no valid vector or its vectors disagree (a parent vector and a pupil vector): such an account
 * cannot be turned into one EduConnect account without the school.
 */
export function atenIdentity(values: readonly string[]): AtenIdentity | undefined {
  const vectors = values.map(parseVector);
  if (vectors.length === 0 || vectors.some((v) => v === undefined)) return undefined;
  const valid = vectors as AtenVector[];
  const first = valid[0]!;
  if (valid.some((v) => v.profile !== first.profile)) return undefined;
  // A pupil has exactly one vector: their own enrolment.
  if (first.profile === 'eleve' && valid.length !== 1) return undefined;
  return { profile: first.profile, familyName: first.familyName, givenName: first.givenName, vectors: valid };
}
