import { Layout } from '../ui/layout.js';

export interface PrintableSheet {
  title: string;
  person: string;
  lines: { label: string; value: string }[];
  whereTitle: string;
  where: string[];
  firstLoginTitle: string;
  firstLogin: string[];
}

/** The notifications as a print-ready page: one per printed page (CSS `break-after`). */
export function PrintableNotificationsPage({
  sheets,
  backHref,
}: {
  sheets: PrintableSheet[];
  backHref: string;
}) {
  return (
    <Layout title="Notifications à imprimer" wide>
      <div class="no-print">
        <h1>Notifications à imprimer</h1>
        <p>
          {sheets.length} notification{sheets.length > 1 ? 's' : ''} : imprimez cette page (une notification
          par page). Les mots de passe provisoires ne seront plus affichés ensuite.
        </p>
        <p>
          <a href={backHref}>Revenir à la liste</a>
        </p>
      </div>
      {sheets.map((sheet) => (
        <article class="notification-sheet" key={sheet.lines.map((l) => l.value).join('|')}>
          <h2>{sheet.title}</h2>
          <p>
            <strong>{sheet.person}</strong>
          </p>
          <dl>
            {sheet.lines.map((line) => (
              <div key={line.label}>
                <dt>{line.label}</dt>
                <dd
                  class={
                    line.label === 'Identifiant' || line.label === 'Mot de passe provisoire' ? 'secret' : ''
                  }
                >
                  {line.value}
                </dd>
              </div>
            ))}
          </dl>
          <h3>{sheet.whereTitle}</h3>
          {sheet.where.map((line) => (
            <p key={line}>{line}</p>
          ))}
          <h3>{sheet.firstLoginTitle}</h3>
          {sheet.firstLogin.map((line) => (
            <p key={line}>{line}</p>
          ))}
        </article>
      ))}
    </Layout>
  );
}
