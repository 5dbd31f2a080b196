import { CsrfInput, type FieldErrors, NewPasswordFields, type PasswordRuleView } from '../ui/components.js';
import { Layout } from '../ui/layout.js';
import { RecoveryFrame } from './frame.js';

/** « Identifiant oublié », the end: the identifier, and « Je me connecte » with it filled in. */
export function RecoveredIdentifierPage({
  profileLabel,
  flowTitle,
  identifier,
  loginHref,
}: {
  profileLabel: string;
  flowTitle: string;
  identifier: string;
  loginHref: string;
}) {
  return (
    <Layout title={`Votre identifiant - ${flowTitle}`} banner={profileLabel}>
      <p class="lead">{flowTitle}</p>
      <div class="notice notice-success">
        <h1>Votre identifiant ÉduConnect</h1>
        <p>Notez votre identifiant. Vous en aurez besoin pour vous connecter.</p>
        <p class="identifier">{identifier}</p>
      </div>
      <p>
        <a class="button-primary" href={loginHref}>
          Je me connecte
        </a>
      </p>
    </Layout>
  );
}

/** « Je change mon mot de passe »: the rule list, live checks, strength gauge and confirmation. */
export function NewPasswordPage({
  profileLabel,
  flowTitle,
  csrf,
  action,
  rules,
  errors,
  message,
  hidden = {},
}: {
  profileLabel: string;
  flowTitle: string;
  csrf: string;
  action: string;
  rules: readonly PasswordRuleView[];
  errors?: FieldErrors;
  message?: string;
  /** Fields the form carries back (the email link's flow and token). */
  hidden?: Record<string, string>;
}) {
  return (
    <RecoveryFrame
      profileLabel={profileLabel}
      flowTitle={flowTitle}
      heading="Je change mon mot de passe"
      errors={errors}
      message={message}
      scripts={['/static/password.js']}
    >
      <p>Choisissez un nouveau mot de passe, différent de l’ancien.</p>
      <form method="post" action={action} novalidate>
        <CsrfInput token={csrf} />
        {Object.entries(hidden).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        <NewPasswordFields rules={rules} errors={errors} />
        <button type="submit" class="button-primary">
          Valider
        </button>
      </form>
    </RecoveryFrame>
  );
}

/** « Votre mot de passe a été modifié »: straight to the service, or back to the login. */
export function PasswordChangedPage({
  profileLabel,
  flowTitle,
  csrf,
  identifier,
  servicesAction,
  loginHref,
}: {
  profileLabel: string;
  flowTitle: string;
  csrf: string;
  identifier: string;
  /** Posting here logs the person in and returns to the service; absent when there is none to return to. */
  servicesAction?: string;
  loginHref: string;
}) {
  return (
    <Layout title={`Votre mot de passe a été modifié - ${flowTitle}`} banner={profileLabel}>
      <p class="lead">{flowTitle}</p>
      <div class="notice notice-success">
        <h1>Votre mot de passe a été modifié</h1>
        <p>
          Connectez-vous désormais avec votre identifiant <strong>{identifier}</strong> et votre nouveau mot
          de passe. Pour votre sécurité, vous avez été déconnecté de tous les services sur vos autres
          appareils.
        </p>
      </div>
      {servicesAction && (
        <form method="post" action={servicesAction}>
          <CsrfInput token={csrf} />
          <button type="submit" class="button-primary">
            Accéder à mes services
          </button>
        </form>
      )}
      <p>
        <a href={loginHref}>Je me connecte</a>
      </p>
    </Layout>
  );
}

/** « Un courriel a été envoyé »: the same page whether or not an account matched. */
export function EmailSentPage({
  profileLabel,
  flowTitle,
  maskedEmail,
  sends,
  restartHref,
}: {
  profileLabel: string;
  flowTitle: string;
  maskedEmail: string;
  /** What the email holds: the identifier, or the link. */
  sends: 'identifier' | 'link';
  restartHref: string;
}) {
  return (
    <Layout title={`Un courriel a été envoyé - ${flowTitle}`} banner={profileLabel}>
      <p class="lead">{flowTitle}</p>
      <h1>Un courriel a été envoyé</h1>
      <p>
        {sends === 'identifier'
          ? 'Nous venons d’envoyer votre identifiant ÉduConnect à '
          : 'Nous venons d’envoyer un lien pour choisir un nouveau mot de passe (valable 30 min, utilisable une seule fois) à '}
        <strong>{maskedEmail}</strong>
      </p>
      <p class="hint">
        Le courriel n’est envoyé que si les informations saisies correspondent à un compte ÉduConnect et à son
        adresse électronique confirmée. Pensez à regarder dans vos courriers indésirables.
      </p>
      <p>
        <a href={restartHref}>Recommencer</a>
      </p>
    </Layout>
  );
}
