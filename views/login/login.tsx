import { FranceConnectBlock } from '../franceconnect/login-block.js';
import { CsrfInput, ErrorSummary, type FieldErrors, PasswordInput, TextField } from '../ui/components.js';
import { Layout } from '../ui/layout.js';

export type ProfileName = 'responsable_legal' | 'eleve';

export interface LoginPageProps {
  uid: string;
  csrf: string;
  profile: ProfileName;
  /** The profile's name in the banner ("Représentant légal"). */
  profileLabel: string;
  identifier?: string;
  message?: string;
  errors?: FieldErrors;
  /** Links offered under the form (activation...) or beside a field, only those that exist. */
  extraLinks?: { href: string; label: string; beside?: 'identifier' | 'password' }[];
  /** The form starting a FranceConnect login, when FranceConnect is offered (parents only). */
  franceConnectAction?: string;
}

export function LoginPage({
  uid,
  csrf,
  profile,
  profileLabel,
  identifier,
  message,
  errors,
  extraLinks = [],
  franceConnectAction,
}: LoginPageProps) {
  const beside = (field: 'identifier' | 'password') =>
    extraLinks
      .filter((link) => link.beside === field)
      .map((link) => (
        <a key={link.href} href={link.href}>
          {link.label}
        </a>
      ));
  const under = extraLinks.filter((link) => !link.beside);
  return (
    <Layout
      title={message || errors ? 'Erreur - Connexion' : 'Connexion'}
      banner={profileLabel}
      scripts={['/static/password.js']}
    >
      <h1>Je me connecte avec mon compte ÉduConnect</h1>
      <ErrorSummary message={message} errors={errors} />
      {franceConnectAction && <FranceConnectBlock action={franceConnectAction} csrf={csrf} />}
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
          aside={beside('identifier')}
        />
        <PasswordInput
          name="password"
          label="Mot de passe"
          autocomplete="current-password"
          error={errors?.password}
          aside={beside('password')}
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
      {under.length > 0 && (
        <ul class="link-list">
          {under.map((link) => (
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
