import {
  PUPIL_LINKS_INTRO,
  PupilLinksForm,
  type PupilLinksFormProps,
} from '../pupil-binding/pupil-fieldsets.js';
import { StepFrame } from './step-frame.js';

/** Step 4: "Je confirme mon lien avec les élèves". */
export function ActivationPupilsPage({
  profileLabel,
  message,
  ...form
}: PupilLinksFormProps & { profileLabel: string; message?: string }) {
  return (
    <StepFrame
      profileLabel={profileLabel}
      step={4}
      heading="Je confirme mon lien avec les élèves"
      errors={form.errors}
      message={message}
    >
      <p>{PUPIL_LINKS_INTRO}</p>
      <PupilLinksForm {...form} />
    </StepFrame>
  );
}
