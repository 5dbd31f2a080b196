import {
  PUPIL_LINKS_INTRO,
  PupilLinksForm,
  type PupilLinksFormProps,
} from '../pupil-binding/pupil-fieldsets.js';
import { StepFrame, type StepPosition } from './step-frame.js';

/** Step 4: "Je confirme mon lien avec les élèves". */
export function ActivationPupilsPage({
  profileLabel,
  message,
  noneConfirmed,
  position,
  ...form
}: PupilLinksFormProps & {
  profileLabel: string;
  message?: string;
  noneConfirmed?: boolean;
  position?: StepPosition;
}) {
  return (
    <StepFrame
      profileLabel={profileLabel}
      step={4}
      {...position}
      heading="Je confirme mon lien avec les élèves"
      errors={form.errors}
      message={message}
    >
      {noneConfirmed && (
        <div class="notice notice-info">
          <p>
            Un compte de représentant légal donne accès aux services de vos enfants : il ne peut pas être créé
            sans au moins un élève dont vous êtes le représentant légal.
          </p>
          <p>
            Si vous êtes bien le représentant légal d'un de ces élèves, modifiez votre réponse ci-dessous.
            Sinon, contactez le secrétariat de l'école ou de l'établissement de votre enfant : il vérifiera
            avec vous les informations de la base élèves.
          </p>
        </div>
      )}
      <p>{PUPIL_LINKS_INTRO}</p>
      <PupilLinksForm {...form} />
    </StepFrame>
  );
}
