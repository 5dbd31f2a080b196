import type { PupilOption } from './pupil-fieldsets.js';

/** "Léo Durand (Collège Jean Moulin), Léa Durand (Lycée Camille Guérin)". */
export function pupilList(pupils: PupilOption[]): string {
  return pupils.map((p) => `${p.givenName} ${p.familyName} (${p.establishmentName})`).join(', ');
}

/** Above the form: pupils no longer offered online after 5 wrong birth dates (the school can bind them). */
export function BlockedPupilsNotice({ blocked }: { blocked: PupilOption[] }) {
  const several = blocked.length > 1;
  return (
    <div class="notice notice-error" role="status">
      <p>
        {several ? 'Ces élèves ne peuvent plus être rattachés' : 'Cet élève ne peut plus être rattaché'} à
        votre compte en ligne, après 5 dates de naissance erronées : {pupilList(blocked)}.
      </p>
      <p>
        Pour {several ? 'les' : 'le'} rattacher, contactez{' '}
        {several ? 'leur établissement' : 'son établissement'}.
      </p>
    </div>
  );
}
