import { AccountFrame, type AccountFrameProps } from './frame.js';

export interface AccountPupilView {
  givenName: string;
  familyName: string;
  establishment: string;
  level: string | null;
}

export interface AccountHomeProps extends Omit<AccountFrameProps, 'title' | 'section' | 'children'> {
  identifier: string;
  givenName: string;
  familyName: string;
  email: string | null;
  pendingEmail: string | null;
  phone: string | null;
  /** A parent's bound pupils, with their establishments. */
  pupils: AccountPupilView[];
  /** A pupil's establishment. */
  establishment: string | null;
  hasPassword: boolean;
}

/** « Mon compte »: who is signed in, and what can be changed here. */
export function AccountHomePage(props: AccountHomeProps) {
  return (
    <AccountFrame {...props} title="Mon compte" section="compte">
      <h1>Mon compte ÉduConnect</h1>
      <dl class="account-summary">
        <dt>Identifiant</dt>
        <dd class="identifier">{props.identifier}</dd>
        <dt>Nom et prénom</dt>
        <dd>
          {props.familyName} {props.givenName}
        </dd>
        <dt>Profil</dt>
        <dd>{props.profileLabel}</dd>
        {!props.parent && (
          <>
            <dt>Établissement</dt>
            <dd>{props.establishment ?? 'Aucun établissement connu'}</dd>
          </>
        )}
        <dt>Mot de passe</dt>
        <dd>
          {props.hasPassword ? 'Défini' : 'Aucun mot de passe'} –{' '}
          <a href="/compte/mot-de-passe">
            {props.hasPassword ? 'Changer mon mot de passe' : 'Définir un mot de passe'}
          </a>
        </dd>
        <dt>Adresse électronique</dt>
        <dd>
          {props.email ? `${props.email} (confirmée)` : 'Aucune adresse confirmée'}
          {props.pendingEmail && ` – en attente de confirmation : ${props.pendingEmail}`} –{' '}
          <a href="/compte/courriel">{props.email ? 'Modifier' : 'Ajouter une adresse'}</a>
        </dd>
        <dt>N° de téléphone portable</dt>
        <dd>
          {props.phone ?? 'Aucun numéro'} – <a href="/compte/telephone">Modifier</a>
        </dd>
      </dl>
      {props.parent && (
        <>
          <h2>Mes élèves</h2>
          {props.pupils.length === 0 ? (
            <p>Aucun élève n'est rattaché à votre compte.</p>
          ) : (
            <ul class="bullets">
              {props.pupils.map((p) => (
                <li key={`${p.givenName}-${p.familyName}-${p.establishment}`}>
                  {p.givenName} {p.familyName} – {p.establishment}
                  {p.level ? ` (${p.level})` : ''}
                </li>
              ))}
            </ul>
          )}
          <p>
            Un enfant manque ? <a href="/compte/eleves">Ajout d'élèves</a>
          </p>
        </>
      )}
    </AccountFrame>
  );
}
