import { ErrorSummary } from '../ui/components.js';
import { Layout } from '../ui/layout.js';
import { BlockedPupilsNotice } from './blocked-pupils.js';
import {
  PUPIL_LINKS_INTRO,
  PupilLinksForm,
  type PupilLinksFormProps,
  type PupilOption,
} from './pupil-fieldsets.js';

/** "Ajout d'élèves" at a later login: pupils the registry newly links to the parent. */
export function AddPupilsPage({
  profileLabel,
  message,
  blocked,
  ...form
}: PupilLinksFormProps & { profileLabel: string; message?: string; blocked?: PupilOption[] }) {
  const failed = Boolean(message || (form.errors && Object.keys(form.errors).length > 0));
  return (
    <Layout title={`${failed ? 'Erreur - ' : ''}Ajout d'élèves`} banner={profileLabel}>
      <h1>Ajout d'élèves</h1>
      <p>
        De nouveaux élèves sont associés à votre compte dans la base de leur établissement.{' '}
        {PUPIL_LINKS_INTRO}
      </p>
      {blocked && blocked.length > 0 && <BlockedPupilsNotice blocked={blocked} />}
      <ErrorSummary message={message} errors={form.errors} />
      <PupilLinksForm {...form} />
    </Layout>
  );
}
