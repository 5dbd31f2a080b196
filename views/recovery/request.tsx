import { CsrfInput, type FieldErrors, IdentityFields, TextField } from '../ui/components.js';
import { RecoveryFrame } from './frame.js';

export interface RecoveryRequestPageProps {
  profileLabel: string;
  flowTitle: string;
  csrf: string;
  /** Where the form posts, and where « Précédent » goes (the login page). */
  action: string;
  loginHref: string;
  /** « identity »: Nom, Prénom (Identifiant oublié); « identifier »: Identifiant (Mot de passe oublié). */
  asks: 'identity' | 'identifier';
  /** Where the message goes: the mobile (a code by SMS) or the confirmed email address. */
  channel: 'sms' | 'email';
  /** The same request by the other channel. */
  otherChannelHref: string;
  values?: {
    familyName?: string;
    givenName?: string;
    identifier?: string;
    mobile?: string;
    email?: string;
  };
  errors?: FieldErrors;
  message?: string;
}

const PHONE_HINT = "Pour les numéros hors France métropolitaine, merci d'indiquer l'indicatif régional.";

/** Step 1 of both recoveries: who the person is, and the mobile the code goes to. */
export function RecoveryRequestPage({
  profileLabel,
  flowTitle,
  csrf,
  action,
  loginHref,
  asks,
  channel,
  otherChannelHref,
  values,
  errors,
  message,
}: RecoveryRequestPageProps) {
  const what =
    asks === 'identity' ? 'votre identifiant s’affiche' : 'vous choisissez un nouveau mot de passe';
  const intro =
    channel === 'sms'
      ? `le numéro de téléphone portable de votre compte ÉduConnect : nous vous envoyons un code de sécurité par SMS, puis ${what}.`
      : asks === 'identity'
        ? 'l’adresse électronique confirmée de votre compte ÉduConnect : nous vous y envoyons votre identifiant.'
        : 'l’adresse électronique confirmée de votre compte ÉduConnect : nous vous y envoyons un lien pour choisir un nouveau mot de passe, valable 30 minutes.';
  return (
    <RecoveryFrame
      profileLabel={profileLabel}
      flowTitle={flowTitle}
      heading={asks === 'identity' ? 'Je confirme mon identité' : 'Je saisis mon identifiant'}
      errors={errors}
      message={message}
    >
      <p>
        {asks === 'identity' ? 'Indiquez votre nom, votre prénom et ' : 'Indiquez votre identifiant et '}
        {intro}
      </p>
      <form method="post" action={action} novalidate>
        <CsrfInput token={csrf} />
        {asks === 'identity' ? (
          <IdentityFields values={values} errors={errors} />
        ) : (
          <TextField
            name="identifiant"
            label="Identifiant"
            value={values?.identifier}
            autocomplete="username"
            hint="Par exemple : j.dupond25"
            error={errors?.identifiant}
            maxLength={100}
          />
        )}
        {channel === 'sms' ? (
          <TextField
            name="telephone"
            label="N° de téléphone portable"
            type="tel"
            inputMode="tel"
            value={values?.mobile ?? '+33 '}
            autocomplete="tel"
            hint={PHONE_HINT}
            error={errors?.telephone}
            maxLength={30}
          />
        ) : (
          <TextField
            name="courriel"
            label="Adresse électronique"
            type="email"
            inputMode="email"
            value={values?.email}
            autocomplete="email"
            hint="L’adresse confirmée dans votre compte ÉduConnect, par exemple nom@exemple.fr"
            error={errors?.courriel}
            maxLength={254}
          />
        )}
        <div class="button-row">
          <button type="submit" form="recuperation-precedent" class="button-secondary">
            Précédent
          </button>
          <button type="submit" class="button-primary">
            Suivant
          </button>
        </div>
      </form>
      <form method="get" action={loginHref} id="recuperation-precedent" />
      <p>
        <a href={otherChannelHref}>
          {channel === 'sms'
            ? 'Je préfère recevoir un courriel (adresse électronique confirmée)'
            : 'Je préfère recevoir un SMS'}
        </a>
      </p>
    </RecoveryFrame>
  );
}
