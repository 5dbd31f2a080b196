import type { ComponentChildren } from 'preact';
import { ErrorSummary, type FieldErrors } from '../ui/components.js';
import { Layout } from '../ui/layout.js';

export const FLOW_TITLE = 'Activation du compte';

/** Where a page stands in its flow; the FranceConnect linking reuses these pages with its own frame. */
export interface StepPosition {
  flowTitle: string;
  step: number;
  total: number;
}

/** The frame of steps 1 to 4: the flow's title, "Étape n sur 5", the heading and the errors. */
export function StepFrame({
  profileLabel,
  step,
  heading,
  errors,
  message,
  scripts,
  children,
  flowTitle = FLOW_TITLE,
  total = 5,
}: {
  /** The profile's name in the banner ("Représentant légal"). */
  profileLabel: string;
  step: number;
  heading: string;
  errors?: FieldErrors;
  message?: string;
  scripts?: string[];
  children: ComponentChildren;
  flowTitle?: string;
  total?: number;
}) {
  const failed = Boolean(message || (errors && Object.keys(errors).length > 0));
  return (
    <Layout
      title={`${failed ? 'Erreur - ' : ''}${heading} - ${flowTitle}`}
      banner={profileLabel}
      scripts={scripts}
    >
      <p class="lead">{flowTitle}</p>
      <p class="hint">
        Étape {step} sur {total}
      </p>
      <h1>{heading}</h1>
      <ErrorSummary message={message} errors={errors} />
      {children}
    </Layout>
  );
}
