import type { Profile } from '../../src/db/schema.js';
import { PROFILE_LABELS } from '../../src/domain/accounts/accounts.js';
import {
  CsrfInput,
  ErrorSummary,
  type FieldErrors,
  NewPasswordFields,
  PasswordInput,
  TextField,
} from '../ui/components.js';
import { Layout } from '../ui/layout.js';

function CancelForm({ uid, csrf }: { uid: string; csrf: string }) {
  return (
    <form method="post" action={`/interaction/${uid}/abort`} class="cancel-form">
      <CsrfInput token={csrf} />
      <button type="submit" class="button-link">
        Annuler et revenir au service
      </button>
    </form>
  );
}

export function ProfileChoicePage({
  uid,
  csrf,
  clientName,
}: {
  uid: string;
  csrf: string;
  clientName: string;
}) {
  return (
    <Layout title="Sélection du profil">
      <p class="lead">Le compte ÉduConnect peut donner accès :</p>
      <ul class="bullets">
        <li>aux démarches en ligne, comme la fiche de renseignements, la demande de bourse, etc ;</li>
        <li>à l'espace numérique de travail (ENT) ;</li>
        <li>au livret scolaire.</li>
      </ul>
      <p class="client-note">
        Vous vous connectez au service : <strong>{clientName}</strong>
      </p>
      <h1>Je sélectionne mon profil</h1>
      <ul class="profile-choice">
        <li>
          <a class="profile-tile" href={`/interaction/${uid}/login/responsable_legal`}>
            Représentant légal
          </a>
        </li>
        <li>
          <a class="profile-tile" href={`/interaction/${uid}/login/eleve`}>
            Élève
          </a>
        </li>
      </ul>
      <CancelForm uid={uid} csrf={csrf} />
    </Layout>
  );
}

export interface LoginPageProps {
  uid: string;
  csrf: string;
  profile: Profile;
  identifier?: string;
  message?: string;
  errors?: FieldErrors;
  /** Links offered under the form (activation...), only those that exist. */
  extraLinks?: { href: string; label: string }[];
}

export function LoginPage({
  uid,
  csrf,
  profile,
  identifier,
  message,
  errors,
  extraLinks = [],
}: LoginPageProps) {
  return (
    <Layout
      title={message || errors ? 'Erreur - Connexion' : 'Connexion'}
      banner={PROFILE_LABELS[profile]}
      scripts={['/static/password.js']}
    >
      <h1>Je me connecte avec mon compte ÉduConnect</h1>
      <ErrorSummary message={message} errors={errors} />
      <form method="post" action={`/interaction/${uid}/login`} novalidate>
        <CsrfInput token={csrf} />
        <input type="hidden" name="profile" value={profile} />
        <TextField
          name="identifier"
          label="Identifiant"
          value={identifier}
          autocomplete="username"
          error={errors?.identifier}
          maxLength={100}
        />
        <PasswordInput
          name="password"
          label="Mot de passe"
          autocomplete="current-password"
          error={errors?.password}
        />
        <button type="submit" class="button-primary">
          Se connecter
        </button>
      </form>
      {profile === 'eleve' && (
        <p class="hint">
          Votre identifiant et votre mot de passe provisoire vous sont remis par votre établissement.
        </p>
      )}
      {extraLinks.length > 0 && (
        <ul class="link-list">
          {extraLinks.map((link) => (
            <li key={link.href}>
              <a href={link.href}>{link.label}</a>
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href={`/interaction/${uid}`}>Changer de profil</a>
      </p>
    </Layout>
  );
}

export function ChangePasswordPage({
  uid,
  csrf,
  profile,
  message,
  errors,
  action,
  intro,
}: {
  uid: string;
  csrf: string;
  profile: Profile;
  message?: string;
  errors?: FieldErrors;
  action?: string;
  intro?: string;
}) {
  return (
    <Layout
      title={message || errors ? 'Erreur - Nouveau mot de passe' : 'Nouveau mot de passe'}
      banner={PROFILE_LABELS[profile]}
      scripts={['/static/password.js']}
    >
      <h1>Je choisis mon nouveau mot de passe</h1>
      <p>
        {intro ?? 'Votre mot de passe est provisoire : choisissez votre propre mot de passe pour continuer.'}
      </p>
      <ErrorSummary message={message} errors={errors} />
      <form method="post" action={action ?? `/interaction/${uid}/password`} novalidate>
        <CsrfInput token={csrf} />
        <NewPasswordFields errors={errors} />
        <button type="submit" class="button-primary">
          Suivant
        </button>
      </form>
    </Layout>
  );
}

export function ConsentPage({
  uid,
  csrf,
  clientName,
  items,
}: {
  uid: string;
  csrf: string;
  clientName: string;
  items: string[];
}) {
  return (
    <Layout title="Autorisation">
      <h1>Autorisez-vous la transmission de vos données ?</h1>
      <p>
        Le service <strong>{clientName}</strong> demande à recevoir les informations suivantes :
      </p>
      <ul class="bullets">
        {items.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
      <form method="post" action={`/interaction/${uid}/consent`}>
        <CsrfInput token={csrf} />
        <button type="submit" class="button-primary">
          J'autorise
        </button>
      </form>
      <CancelForm uid={uid} csrf={csrf} />
    </Layout>
  );
}
