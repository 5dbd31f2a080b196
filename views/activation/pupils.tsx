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
  position,
  ...form
}: PupilLinksFormProps & { profileLabel: string; message?: string; position?: StepPosition }) {
  return (
    <StepFrame
      profileLabel={profileLabel}
      step={4}
      {...position}
      heading="Je confirme mon lien avec les élèves"
      errors={form.errors}
      message={message}
    >
      <p>{PUPIL_LINKS_INTRO}</p>
      <PupilLinksForm {...form} />
    </StepFrame>
  );
}
