import { type EntHeaderUser, EntLayout } from './layout.js';

/**
 * The ENT's login page (seed 003): only the ways in that work are offered. With the ATEN transition
 * (seed 001), « Je dispose d'un compte Educonnect » and « Je n'ai pas de compte Educonnect ».
 */
export function EntLoginPage({
  csrf,
  notice,
  idpLogout,
  atenTransition = false,
}: {
  csrf: string;
  notice?: string;
  /** ÉduConnect's logout page, when its session outlived the ENT's. */
  idpLogout?: string;
  atenTransition?: boolean;
}) {
  return (
    <EntLayout title="Connexion">
      <h1>Bienvenue sur l'ENT</h1>
      {notice && (
        <p class="ent-notice" role="status">
          {notice}
        </p>
      )}
      {idpLogout && (
        <p>
          <a href={idpLogout}>Me déconnecter aussi d'ÉduConnect</a>
        </p>
      )}
      <form method="post" action="/auth/login" class="ent-card">
        <input type="hidden" name="_csrf" value={csrf} />
        <fieldset>
          <legend>Vous voulez vous connecter à l'ENT en tant que :</legend>
          <div class="ent-radio">
            <input type="radio" id="methode-educonnect" name="methode" value="educonnect" checked />
            <label for="methode-educonnect">Elève ou parent avec EduConnect</label>
          </div>
        </fieldset>
        {atenTransition ? (
          <>
            <button type="submit" name="parcours" value="educonnect" class="ent-button">
              Je dispose d'un compte Educonnect
            </button>{' '}
            <button type="submit" name="parcours" value="aten" class="ent-button">
              Je n'ai pas de compte Educonnect
            </button>
          </>
        ) : (
          <button type="submit" class="ent-button">
            Valider
          </button>
        )}
      </form>
      {atenTransition && (
        <p class="ent-hint">
          Vous aviez un compte ATEN (l'ancien compte académique) ? Choisissez « Je n'ai pas de compte
          Educonnect » : vous vous connectez une dernière fois avec lui, puis vous choisissez le mot de passe
          de votre compte ÉduConnect.
        </p>
      )}
      <p class="ent-hint">
        Pas encore de compte ÉduConnect{atenTransition ? ' ni de compte ATEN' : ''} ? Choisissez « Elève ou
        parent avec EduConnect »{atenTransition ? ' et « Je dispose d’un compte Educonnect »' : ''}, puis «
        Représentant légal » et « Je n'ai pas de compte » : l'activation se fait avec le numéro de téléphone
        portable donné à l'établissement.
      </p>
    </EntLayout>
  );
}

export interface ChooserEstablishment {
  uai: string;
  name: string;
  place: string;
  children: string[];
}

export function EntChooserPage({
  user,
  establishments,
}: {
  user: EntHeaderUser;
  establishments: ChooserEstablishment[];
}) {
  return (
    <EntLayout title="Choix de l'établissement" user={{ ...user, canSwitchEstablishment: false }}>
      <h1>Choisissez un établissement</h1>
      <p>Votre compte vous donne accès à plusieurs établissements.</p>
      <form method="post" action="/etablissements">
        <input type="hidden" name="_csrf" value={user.csrf} />
        <ul class="ent-choices">
          {establishments.map((e) => (
            <li key={e.uai}>
              <button type="submit" name="uai" value={e.uai} class="ent-choice">
                <span class="ent-choice-name">{e.name}</span>
                <span class="ent-choice-place">{e.place}</span>
                {e.children.length > 0 && (
                  <span class="ent-choice-children">
                    {e.children.length > 1 ? 'Vos enfants : ' : 'Votre enfant : '}
                    {e.children.join(', ')}
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      </form>
    </EntLayout>
  );
}

export interface EstablishmentView {
  uai: string;
  name: string;
  kind: string;
  town: string | null;
}

export function EntEstablishmentPage({
  user,
  establishment,
  place,
  children,
  level,
}: {
  user: EntHeaderUser;
  establishment: EstablishmentView;
  /** Kind, town and UAI, the known ones. */
  place: string;
  children: { name: string; level: string | null }[];
  level: string | null;
}) {
  return (
    <EntLayout title={establishment.name} user={user}>
      <p class="ent-kicker">{place}</p>
      <h1>{establishment.name}</h1>
      <section class="ent-card" aria-labelledby="connecte">
        <h2 id="connecte">Vous êtes connecté</h2>
        <dl class="ent-facts">
          <dt>Nom</dt>
          <dd>{user.name}</dd>
          <dt>Profil</dt>
          <dd>{user.profile}</dd>
          {level && (
            <>
              <dt>Niveau</dt>
              <dd>{level}</dd>
            </>
          )}
        </dl>
      </section>
      {user.profile !== 'Élève' && (
        <section class="ent-card" aria-labelledby="enfants">
          <h2 id="enfants">Vos enfants dans cet établissement</h2>
          {children.length > 0 ? (
            <ul class="ent-children">
              {children.map((child) => (
                <li key={child.name}>
                  {child.name}
                  {child.level && <span class="ent-level"> · {child.level}</span>}
                </li>
              ))}
            </ul>
          ) : (
            <p>Aucun enfant rattaché dans cet établissement.</p>
          )}
        </section>
      )}
      <section class="ent-card" aria-labelledby="services">
        <h2 id="services">Services de l'établissement</h2>
        <p>
          Cahier de textes, messagerie, vie scolaire : les services d'un vrai ENT apparaîtraient ici. Cet ENT
          de démonstration montre seulement ce qu'ÉduConnect lui transmet.
        </p>
      </section>
    </EntLayout>
  );
}

export interface EntMessageProps {
  title: string;
  paragraphs: string[];
  /** The way to start again. */
  action?: { href: string; label: string };
  user?: EntHeaderUser;
}

/** Errors and notices: French, with a way forward, never a stack trace. */
export function EntMessagePage({ title, paragraphs, action, user }: EntMessageProps) {
  return (
    <EntLayout title={title} user={user}>
      <div class="ent-alert" role="alert">
        <h1>{title}</h1>
        {paragraphs.map((p) => (
          <p key={p}>{p}</p>
        ))}
      </div>
      {action && (
        <p>
          <a class="ent-button" href={action.href}>
            {action.label}
          </a>
        </p>
      )}
    </EntLayout>
  );
}
