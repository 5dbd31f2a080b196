import { CsrfInput, ErrorSummary } from '../ui/components.js';
import { type ConsoleContext, ConsoleFrame, TableRegion } from './frame.js';

export interface PersonView {
  id: string;
  name: string;
  levels: string;
  /** Pupils: birth date; representatives: children. */
  detail: string;
  mobile?: string;
  identifier: string | null;
  state: string;
  hasAccount: boolean;
}

export interface PeoplePageProps {
  context: ConsoleContext;
  kind: 'eleve' | 'representant';
  levels: string[];
  level: string;
  search: string;
  people: PersonView[];
  notice?: string;
  message?: string;
}

function NotificationButtons({ name }: { name: string }) {
  return (
    <>
      <button type="submit" name="format" value="pdf" class="button-secondary button-small">
        Notification PDF<span class="visually-hidden"> de {name}</span>
      </button>{' '}
      <button type="submit" name="format" value="html" class="button-secondary button-small">
        Notification à imprimer<span class="visually-hidden"> de {name}</span>
      </button>
    </>
  );
}

/** « Élèves » / « Représentants »: the people of the establishment, their account state, and the actions. */
export function PeoplePage({
  context,
  kind,
  levels,
  level,
  search,
  people,
  notice,
  message,
}: PeoplePageProps) {
  const pupils = kind === 'eleve';
  const base = `/etablissement/${context.uai}`;
  const section = pupils ? 'eleves' : 'representants';
  return (
    <ConsoleFrame
      context={context}
      section={section}
      title={pupils ? 'Élèves' : 'Représentants légaux'}
      notice={notice}
    >
      <ErrorSummary message={message} />
      <form method="get" action={`${base}/${section}`} class="filters">
        <div class="field">
          <label for="niveau">Niveau</label>
          <select id="niveau" name="niveau">
            <option value="">Tous les niveaux</option>
            {levels.map((l) => (
              <option key={l} value={l} selected={l === level}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="recherche">Rechercher un nom</label>
          <input id="recherche" name="q" type="search" value={search} maxLength={100} />
        </div>
        <div class="field">
          <button type="submit" class="button-primary">
            Afficher
          </button>
        </div>
      </form>
      <p class="hint">
        Une notification donne l'identifiant et un mot de passe provisoire valable 3 mois. Éditer une
        notification remplace le mot de passe provisoire précédent.
        {pupils
          ? ''
          : ' Les représentants sans téléphone portable ne peuvent pas activer leur compte par SMS.'}
      </p>
      {level && (
        <section aria-labelledby="classe">
          <h2 id="classe">Niveau {level}</h2>
          <form method="post" action={`${base}/notifications`} class="inline-form">
            <CsrfInput token={context.csrf} />
            <input type="hidden" name="kind" value={kind} />
            <input type="hidden" name="niveau" value={level} />
            <p>Éditer les notifications du niveau {level} (comptes non encore activés) :</p>
            <button type="submit" name="format" value="pdf" class="button-secondary">
              PDF du niveau {level}
            </button>{' '}
            <button type="submit" name="format" value="html" class="button-secondary">
              Page à imprimer du niveau {level}
            </button>
          </form>
          <form method="post" action={`${base}/mot-de-passe-a-changer`} class="inline-form">
            <CsrfInput token={context.csrf} />
            <input type="hidden" name="kind" value={kind} />
            <input type="hidden" name="niveau" value={level} />
            <button type="submit" class="button-secondary">
              Forcer le changement de mot de passe du niveau {level}
            </button>
          </form>
        </section>
      )}
      <h2>
        {people.length} {pupils ? 'élève' : 'représentant'}
        {people.length > 1 ? 's' : ''}
      </h2>
      <TableRegion label={pupils ? 'Liste des élèves' : 'Liste des représentants'}>
        <table class="data-table">
          <thead>
            <tr>
              <th scope="col">Nom</th>
              <th scope="col">Niveau</th>
              <th scope="col">{pupils ? 'Né(e) le' : 'Élèves'}</th>
              {!pupils && <th scope="col">Portable</th>}
              <th scope="col">Identifiant</th>
              <th scope="col">État du compte</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {people.map((p) => (
              <tr key={p.id}>
                <th scope="row">{p.name}</th>
                <td>{p.levels}</td>
                <td>{p.detail}</td>
                {!pupils && <td>{p.mobile}</td>}
                <td>{p.identifier ?? '—'}</td>
                <td>{p.state}</td>
                <td>
                  <form method="post" action={`${base}/notifications`} class="inline-form">
                    <CsrfInput token={context.csrf} />
                    <input type="hidden" name="kind" value={kind} />
                    <input type="hidden" name="id" value={p.id} />
                    <NotificationButtons name={p.name} />
                  </form>
                  {p.hasAccount && (
                    <>
                      <form method="post" action={`${base}/deblocage`} class="inline-form">
                        <CsrfInput token={context.csrf} />
                        <input type="hidden" name="kind" value={kind} />
                        <input type="hidden" name="id" value={p.id} />
                        <button type="submit" class="button-secondary button-small">
                          Débloquer<span class="visually-hidden"> le compte de {p.name}</span>
                        </button>
                      </form>
                      <form method="post" action={`${base}/mot-de-passe-a-changer`} class="inline-form">
                        <CsrfInput token={context.csrf} />
                        <input type="hidden" name="kind" value={kind} />
                        <input type="hidden" name="id" value={p.id} />
                        <button type="submit" class="button-secondary button-small">
                          Forcer le changement de mot de passe
                          <span class="visually-hidden"> de {p.name}</span>
                        </button>
                      </form>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableRegion>
      <form method="post" action={`${base}/mot-de-passe-a-changer`}>
        <CsrfInput token={context.csrf} />
        <input type="hidden" name="kind" value={kind} />
        <input type="hidden" name="tout" value="1" />
        <button type="submit" class="button-secondary">
          Forcer le changement de mot de passe de tous les comptes {pupils ? 'élèves' : 'représentants'} de
          l'établissement
        </button>
      </form>
    </ConsoleFrame>
  );
}
