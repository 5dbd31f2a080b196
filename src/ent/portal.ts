/**
 * What the ENT makes of the EduConnect claims: who is connected and, for each establishment, the
 * children there. Knows nothing of HTTP.
 */
export type PortalProfile = 'responsable_legal' | 'eleve';

export interface PortalEstablishment {
  uai: string;
  name: string;
  kind: string;
  town: string | null;
}

export interface PortalChild {
  id: string;
  givenName: string;
  familyName: string;
  level: string | null;
  establishmentUai: string;
}

export interface PortalUser {
  givenName: string;
  familyName: string;
  profile: PortalProfile;
  establishments: PortalEstablishment[];
  /** A parent's children; empty for a pupil. */
  children: PortalChild[];
  /** A pupil's level. */
  level: string | null;
}

export const PROFILE_NAMES: Record<PortalProfile, string> = {
  responsable_legal: 'Représentant légal',
  eleve: 'Élève',
};

const KIND_NAMES: Record<string, string> = { ecole: 'École', college: 'Collège', lycee: 'Lycée' };

export function kindName(kind: string): string {
  return KIND_NAMES[kind] ?? kind;
}

/** « Collège · Poitiers · UAI 0861234A »: the parts that are known, never a « · » left dangling. */
export function placeLine(...parts: (string | null | undefined)[]): string {
  return parts.filter((part) => part?.trim()).join(' · ');
}

/** The header's subtitle: the kinds of establishment listed, « Écoles, collèges et lycées » when all are. */
export function establishmentsTagline(kinds: string[]): string {
  const all = ['ecole', 'college', 'lycee'] as const;
  const listed = all.filter((kind) => kinds.includes(kind));
  const names = (listed.length > 0 ? listed : all).map(
    (kind) => ({ ecole: 'écoles', college: 'collèges', lycee: 'lycées' })[kind],
  );
  const text = names.length > 1 ? `${names.slice(0, -1).join(', ')} et ${names.at(-1)}` : names[0]!;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} de l'académie`;
}

/**
 * A pupil's level as a person reads it (« 5e », « 1re », « 2de », « Tle ») from the registry's code
 * (`5EME`, `1ERE`, `2NDE`, `TLE`); a code it does not know is shown as it came.
 */
export function levelName(code: string | null): string | null {
  if (!code) return null;
  const upper = code.trim().toUpperCase();
  const college = /^([3-6])(?:EME|E|ÈME)$/.exec(upper);
  if (college) return `${college[1]}e`;
  if (/^(1ERE|1RE|PREMIERE|1ÈRE)$/.test(upper)) return '1re';
  if (/^(2NDE|2DE|SECONDE)$/.test(upper)) return '2de';
  if (/^(TLE|TERM|TERMINALE)$/.test(upper)) return 'Tle';
  return code.trim();
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function establishmentOf(value: unknown): PortalEstablishment | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  const uai = text(e.uai);
  if (!uai) return undefined;
  return { uai, name: text(e.name) || uai, kind: text(e.kind), town: text(e.town) || null };
}

export class UnsupportedProfileError extends Error {
  constructor(readonly profile: unknown) {
    super(`unsupported EduConnect profile ${String(profile)}`);
    this.name = 'UnsupportedProfileError';
  }
}

/** Reads the userinfo of scope `openid profile educonnect` (see the README's claims table). */
export function portalUserFromClaims(claims: Record<string, unknown>): PortalUser {
  const profile = claims.educonnect_profile;
  if (profile !== 'responsable_legal' && profile !== 'eleve') throw new UnsupportedProfileError(profile);
  const establishments = new Map<string, PortalEstablishment>();
  const add = (value: unknown) => {
    const e = establishmentOf(value);
    if (e && !establishments.has(e.uai)) establishments.set(e.uai, e);
    return e;
  };
  const children: PortalChild[] = [];
  if (profile === 'eleve') {
    add(claims.establishment);
  } else if (Array.isArray(claims.pupils)) {
    for (const pupil of claims.pupils as Record<string, unknown>[]) {
      const e = add(pupil?.establishment);
      if (!e) continue;
      children.push({
        id: text(pupil.id),
        givenName: text(pupil.given_name),
        familyName: text(pupil.family_name),
        level: text(pupil.level) || null,
        establishmentUai: e.uai,
      });
    }
  }
  if (Array.isArray(claims.establishments)) for (const e of claims.establishments) add(e);
  return {
    givenName: text(claims.given_name),
    familyName: text(claims.family_name),
    profile,
    establishments: [...establishments.values()].sort((a, b) => a.name.localeCompare(b.name, 'fr')),
    children,
    level: profile === 'eleve' ? text(claims.level) || null : null,
  };
}

export function childrenIn(user: PortalUser, uai: string): PortalChild[] {
  return user.children.filter((child) => child.establishmentUai === uai);
}

/** Where a fresh login lands: the only establishment directly, the chooser when there are several. */
export function landingEstablishment(user: PortalUser): PortalEstablishment | undefined {
  return user.establishments.length === 1 ? user.establishments[0] : undefined;
}
