import type { ComponentChildren } from 'preact';
import { CsrfInput } from '../ui/components.js';
import { Layout } from '../ui/layout.js';
import { CONSOLE_BANNER } from './sign-in.js';

export interface ConsoleContext {
  csrf: string;
  staffName: string;
  uai: string;
  establishmentName: string;
}

export type ConsoleSection = 'eleves' | 'representants' | 'statistiques' | 'signalements' | 'numeros';

const SECTIONS: { id: ConsoleSection; label: string }[] = [
  { id: 'eleves', label: 'Élèves' },
  { id: 'representants', label: 'Représentants' },
  { id: 'statistiques', label: 'Statistiques' },
  { id: 'signalements', label: 'Signalements' },
  { id: 'numeros', label: 'Changements de numéro' },
];

/** Every console page of an establishment: its name, the sections, the staff member and « Se déconnecter ». */
export function ConsoleFrame({
  context,
  section,
  title,
  notice,
  children,
}: {
  context: ConsoleContext;
  section: ConsoleSection;
  title: string;
  notice?: string;
  children: ComponentChildren;
}) {
  return (
    <Layout title={`${title} - ${context.establishmentName}`} banner={CONSOLE_BANNER} wide>
      <p>
        {context.staffName} — {context.establishmentName} ({context.uai}) —{' '}
        <a href="/etablissement">Changer d'établissement</a>
      </p>
      <form method="post" action="/etablissement/deconnexion" class="inline-form">
        <CsrfInput token={context.csrf} />
        <button type="submit" class="button-link">
          Se déconnecter
        </button>
      </form>
      <nav class="console-nav" aria-label="Console de l'établissement">
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.id}>
              <a
                href={`/etablissement/${context.uai}/${s.id}`}
                aria-current={s.id === section ? 'page' : undefined}
              >
                {s.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <h1>{title}</h1>
      {notice && (
        <p class="notice notice-success" role="status">
          {notice}
        </p>
      )}
      {children}
    </Layout>
  );
}

/** « Mes établissements »: the establishments this staff member may act on. */
export function EstablishmentsPage({
  csrf,
  staffName,
  establishments,
}: {
  csrf: string;
  staffName: string;
  establishments: { uai: string; name: string; town: string | null }[];
}) {
  return (
    <Layout title="Mes établissements" banner={CONSOLE_BANNER}>
      <p>{staffName}</p>
      <form method="post" action="/etablissement/deconnexion" class="inline-form">
        <CsrfInput token={csrf} />
        <button type="submit" class="button-link">
          Se déconnecter
        </button>
      </form>
      <h1>Mes établissements</h1>
      <ul class="bullets">
        {establishments.map((e) => (
          <li key={e.uai}>
            <a href={`/etablissement/${e.uai}/eleves`}>
              {e.name} ({e.uai}
              {e.town ? `, ${e.town}` : ''})
            </a>
          </li>
        ))}
      </ul>
    </Layout>
  );
}

/** A table that scrolls sideways on a narrow screen; focusable so that the keyboard can scroll it. */
export function TableRegion({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section class="table-scroll" tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}
