import type { ComponentChildren } from 'preact';
import { ErrorSummary, type FieldErrors } from '../ui/components.js';
import { Layout } from '../ui/layout.js';

/** The frame of every recovery page: the flow's title (« Identifiant oublié »), the heading, the errors. */
export function RecoveryFrame({
  profileLabel,
  flowTitle,
  heading,
  errors,
  message,
  scripts,
  children,
}: {
  profileLabel: string;
  flowTitle: string;
  heading: string;
  errors?: FieldErrors;
  message?: string;
  scripts?: string[];
  children: ComponentChildren;
}) {
  const failed = Boolean(message || (errors && Object.keys(errors).length > 0));
  return (
    <Layout
      title={`${failed ? 'Erreur - ' : ''}${heading} - ${flowTitle}`}
      banner={profileLabel}
      scripts={scripts}
    >
      <p class="lead">{flowTitle}</p>
      <h1>{heading}</h1>
      <ErrorSummary message={message} errors={errors} />
      {children}
    </Layout>
  );
}
