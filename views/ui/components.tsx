import type { ComponentChildren } from 'preact';

export type FieldErrors = Record<string, string>;

/** One rule of the password policy as the page lists it and the script checks it live. */
export interface PasswordRuleView {
  id: string;
  label: string;
  /** Source of a JavaScript regular expression the password must match (unicode flag). */
  pattern: string;
}

export function CsrfInput({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

/** Errors summarised at the top, each linking to its field (DSFR / RGAA practice). */
export function ErrorSummary({ errors, message }: { errors?: FieldErrors; message?: string }) {
  const entries = Object.entries(errors ?? {});
  if (!message && entries.length === 0) return null;
  return (
    <div class="alert alert-error" role="alert" tabIndex={-1} id="erreurs">
      {message && <p class="alert-title">{message}</p>}
      {entries.length > 0 && (
        <ul>
          {entries.map(([field, text]) => (
            <li key={field}>
              <a href={`#${field}`}>{text}</a>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export interface TextFieldProps {
  name: string;
  label: string;
  value?: string;
  hint?: string;
  error?: string;
  type?: string;
  autocomplete?: string;
  inputMode?: 'numeric' | 'tel' | 'email' | 'text';
  maxLength?: number;
  required?: boolean;
  pattern?: string;
  /** Shown beside the label (a link such as « Identifiant oublié ? »). */
  aside?: ComponentChildren;
}

export function TextField({
  name,
  label,
  value,
  hint,
  error,
  type = 'text',
  autocomplete,
  inputMode,
  maxLength = 256,
  required = true,
  pattern,
  aside,
}: TextFieldProps) {
  const describedBy =
    [hint && `${name}-aide`, error && `${name}-erreur`].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${error ? ' field-error' : ''}`}>
      <FieldLabel name={name} label={label} aside={aside} />
      {hint && (
        <p class="hint" id={`${name}-aide`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="error-text" id={`${name}-erreur`}>
          {error}
        </p>
      )}
      <input
        id={name}
        name={name}
        type={type}
        value={value ?? ''}
        autoComplete={autocomplete}
        inputMode={inputMode}
        maxLength={maxLength}
        required={required}
        pattern={pattern}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy}
      />
    </div>
  );
}

/** « Nom » and « Prénom », as the parent's identity is asked (activation, recovery, number change). */
export function IdentityFields({
  values,
  errors,
}: {
  values?: { familyName?: string; givenName?: string };
  errors?: FieldErrors;
}) {
  return (
    <>
      <TextField
        name="nom"
        label="Nom"
        value={values?.familyName}
        autocomplete="family-name"
        error={errors?.nom}
        maxLength={100}
      />
      <TextField
        name="prenom"
        label="Prénom"
        value={values?.givenName}
        autocomplete="given-name"
        error={errors?.prenom}
        maxLength={100}
      />
    </>
  );
}

/**
 * « Code de sécurité » received by SMS. The length limit (and the pattern, where there is one) differs
 * between the flows, so each page passes its own.
 */
export function SecurityCodeField({
  error,
  maxLength,
  pattern,
}: {
  error?: string;
  maxLength: number;
  pattern?: string;
}) {
  return (
    <TextField
      name="code"
      label="Code de sécurité"
      hint="Je saisis le code de sécurité à 6 chiffres reçu par SMS."
      inputMode="numeric"
      autocomplete="one-time-code"
      error={error}
      maxLength={maxLength}
      pattern={pattern}
    />
  );
}

/** « Je n'ai pas reçu le code par SMS » with its « Renvoyer le SMS » button. */
export function ResendSmsForm({ action, csrf }: { action: string; csrf: string }) {
  return (
    <form method="post" action={action}>
      <CsrfInput token={csrf} />
      <p>Je n'ai pas reçu le code par SMS</p>
      <button type="submit" class="button-link">
        Renvoyer le SMS
      </button>
    </form>
  );
}

export interface PasswordInputProps {
  name: string;
  label: string;
  autocomplete: 'current-password' | 'new-password';
  error?: string;
  describedBy?: string;
  /** Shown beside the label (a link such as « Mot de passe oublié ? »). */
  aside?: ComponentChildren;
}

/** A field's label, with what goes beside it when there is something (it wraps below at 320 px). */
function FieldLabel({ name, label, aside }: { name: string; label: string; aside?: ComponentChildren }) {
  const hasAside = Array.isArray(aside) ? aside.length > 0 : Boolean(aside);
  if (!hasAside) return <label for={name}>{label}</label>;
  return (
    <div class="label-row">
      <label for={name}>{label}</label>
      <span class="label-aside">{aside}</span>
    </div>
  );
}

/** A password input with an "Afficher" toggle that the script reveals (hidden without JavaScript). */
export function PasswordInput({ name, label, autocomplete, error, describedBy, aside }: PasswordInputProps) {
  const ids = [describedBy, error && `${name}-erreur`].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${error ? ' field-error' : ''}`}>
      <FieldLabel name={name} label={label} aside={aside} />
      {error && (
        <p class="error-text" id={`${name}-erreur`}>
          {error}
        </p>
      )}
      <div class="password-wrapper">
        <input
          id={name}
          name={name}
          type="password"
          autoComplete={autocomplete}
          maxLength={128}
          required
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={ids}
        />
        <button
          type="button"
          class="button-secondary password-toggle"
          data-toggle-password={name}
          aria-pressed="false"
          hidden
        >
          Afficher
        </button>
      </div>
    </div>
  );
}

/** "Je choisis mon nouveau mot de passe": the rules listed from the server's policy, checked live. */
export function NewPasswordFields({
  rules,
  errors,
}: {
  rules: readonly PasswordRuleView[];
  errors?: FieldErrors;
}) {
  return (
    <>
      <PasswordInput
        name="password"
        label="Mot de passe"
        autocomplete="new-password"
        error={errors?.password}
        describedBy="regles-mot-de-passe"
      />
      <div class="password-strength" hidden data-strength-for="password">
        <span class="visually-hidden">Force du mot de passe : </span>
        <meter min={0} max={5} value={0} aria-hidden="true" />
        <span class="strength-label" aria-live="polite" />
      </div>
      <ul class="password-rules" id="regles-mot-de-passe" aria-live="polite" data-rules-for="password">
        {rules.map((rule) => (
          <li key={rule.id} data-pattern={rule.pattern} data-state="unknown">
            <span class="rule-state visually-hidden">Règle : </span>
            {rule.label}
          </li>
        ))}
      </ul>
      <PasswordInput
        name="confirmation"
        label="Confirmation du nouveau mot de passe"
        autocomplete="new-password"
        error={errors?.confirmation}
      />
    </>
  );
}

/** "Né(e) le" with three inputs labelled Jour, Mois, Année. */
export function BirthDateFieldset({
  prefix,
  legend = 'Né(e) le',
  values,
  error,
}: {
  prefix: string;
  legend?: string;
  values?: { day?: string; month?: string; year?: string };
  error?: string;
}) {
  const errorId = error ? `${prefix}-date-erreur` : undefined;
  return (
    <fieldset class={`date-fieldset${error ? ' field-error' : ''}`} aria-describedby={errorId}>
      <legend>{legend}</legend>
      {error && (
        <p class="error-text" id={errorId}>
          {error}
        </p>
      )}
      <div class="date-inputs">
        <div class="field field-day">
          <label for={`${prefix}-jour`}>Jour</label>
          <input
            id={`${prefix}-jour`}
            name={`${prefix}_jour`}
            inputMode="numeric"
            maxLength={2}
            size={2}
            value={values?.day ?? ''}
            pattern="[0-9]{1,2}"
          />
        </div>
        <div class="field field-month">
          <label for={`${prefix}-mois`}>Mois</label>
          <input
            id={`${prefix}-mois`}
            name={`${prefix}_mois`}
            inputMode="numeric"
            maxLength={2}
            size={2}
            value={values?.month ?? ''}
            pattern="[0-9]{1,2}"
          />
        </div>
        <div class="field field-year">
          <label for={`${prefix}-annee`}>Année</label>
          <input
            id={`${prefix}-annee`}
            name={`${prefix}_annee`}
            inputMode="numeric"
            maxLength={4}
            size={4}
            value={values?.year ?? ''}
            pattern="[0-9]{4}"
          />
        </div>
      </div>
    </fieldset>
  );
}
