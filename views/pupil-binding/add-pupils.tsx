import { ErrorSummary } from '../ui/components.js';
import { Layout } from '../ui/layout.js';
import { PUPIL_LINKS_INTRO, PupilLinksForm, type PupilLinksFormProps } from './pupil-fieldsets.js';

/** "Ajout d'élèves" at a later login: pupils the registry newly links to the parent. */
export function AddPupilsPage({
  profileLabel,
  message,
  ...form
}: PupilLinksFormProps & { profileLabel: string; message?: string }) {
  const failed = Boolean(message || (form.errors && Object.keys(form.errors).length > 0));
  return (
    <Layout title={`${failed ? 'Erreur - ' : ''}Ajout d'élèves`} banner={profileLabel}>
      <h1>Ajout d'élèves</h1>
      <p>
        De nouveaux élèves sont associés à votre compte dans la base de leur établissement.{' '}
        {PUPIL_LINKS_INTRO}
      </p>
      <ErrorSummary message={message} errors={form.errors} />
      <PupilLinksForm {...form} />
    </Layout>
  );
}
