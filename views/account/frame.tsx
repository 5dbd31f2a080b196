import type { ComponentChildren } from 'preact';
import { CsrfInput, ErrorSummary, type FieldErrors } from '../ui/components.js';
import { Layout } from '../ui/layout.js';

export type AccountSection = 'compte' | 'mot-de-passe' | 'courriel' | 'telephone' | 'eleves' | 'services';

export interface AccountFrameProps {
  title: string;
  section: AccountSection;
  /** The profile's name in the banner (« Représentant légal »). */
  profileLabel: string;
  /** Parents see « Ajout d'élèves ». */
  parent: boolean;
  csrf: string;
  message?: string;
  errors?: FieldErrors;
  /** A confirmation shown above the page (« Votre mot de passe a été modifié. »). */
  success?: string;
  scripts?: string[];
  children: ComponentChildren;
}

const SECTIONS: { id: AccountSection; href: string; label: string; parentOnly?: boolean }[] = [
  { id: 'compte', href: '/compte', label: 'Mon compte' },
  { id: 'mot-de-passe', href: '/compte/mot-de-passe', label: 'Changer mon mot de passe' },
  { id: 'courriel', href: '/compte/courriel', label: 'Adresse électronique' },
  { id: 'telephone', href: '/compte/telephone', label: 'N° de téléphone portable' },
  { id: 'eleves', href: '/compte/eleves', label: "Ajout d'élèves", parentOnly: true },
  { id: 'services', href: '/compte/services', label: 'Services connectés' },
];

/** Every « Mon compte » page: the sections, « Se déconnecter », then the page itself. */
export function AccountFrame(props: AccountFrameProps) {
  const failed = Boolean(props.message || (props.errors && Object.keys(props.errors).length > 0));
  return (
    <Layout
      title={failed ? `Erreur - ${props.title}` : props.title}
      banner={props.profileLabel}
      scripts={props.scripts}
    >
      <nav class="account-nav" aria-label="Mon compte ÉduConnect">
        <ul>
          {SECTIONS.filter((s) => props.parent || !s.parentOnly).map((s) => (
            <li key={s.id}>
              <a href={s.href} aria-current={s.id === props.section ? 'page' : undefined}>
                {s.label}
              </a>
            </li>
          ))}
        </ul>
        <form method="post" action="/compte/deconnexion" class="account-logout">
          <CsrfInput token={props.csrf} />
          <button type="submit" class="button-secondary">
            Se déconnecter
          </button>
        </form>
      </nav>
      {props.success && (
        <div class="notice notice-success" role="status">
          <p>{props.success}</p>
        </div>
      )}
      <ErrorSummary message={props.message} errors={props.errors} />
      {props.children}
    </Layout>
  );
}
