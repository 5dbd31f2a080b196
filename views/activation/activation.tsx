import type { ComponentChildren } from 'preact';
import { PROFILE_LABELS } from '../../src/domain/accounts/accounts.js';
import type { PupilChoice } from '../../src/domain/registry/registry.js';
import type { PupilAnswer } from '../../src/flows/pupil-binding/pupil-answers.js';
import {
  BirthDateFieldset,
  CsrfInput,
  ErrorSummary,
  type FieldErrors,
  NewPasswordFields,
  TextField,
} from '../ui/components.js';
import { Layout } from '../ui/layout.js';

const BANNER = PROFILE_LABELS.responsable_legal;
const FLOW_TITLE = 'Activation du compte';

function StepFrame({
  step,
  heading,
  errors,
  message,
  scripts,
  children,
}: {
  step: number;
  heading: string;
  errors?: FieldErrors;
  message?: string;
  scripts?: string[];
  children: ComponentChildren;
}) {
  const failed = Boolean(message || (errors && Object.keys(errors).length > 0));
  return (
    <Layout
      title={`${failed ? 'Erreur - ' : ''}${heading} - ${FLOW_TITLE}`}
      banner={BANNER}
      scripts={scripts}
    >
      <p class="lead">{FLOW_TITLE}</p>
      <p class="hint">Étape {step} sur 5</p>
      <h1>{heading}</h1>
      <ErrorSummary message={message} errors={errors} />
      {children}
    </Layout>
  );
}

export interface IdentityPageProps {
  uid: string;
  csrf: string;
  values?: { familyName?: string; givenName?: string; mobile?: string };
  errors?: FieldErrors;
  message?: string;
}

/** Step 1: "Je confirme mon identité". */
export function ActivationIdentityPage({ uid, csrf, values, errors, message }: IdentityPageProps) {
  return (
    <StepFrame step={1} heading="Je confirme mon identité" errors={errors} message={message}>
      <p>
        L'activation est réservée aux représentants légaux. Pour avoir accès aux services concernant vos
        enfants, indiquez votre nom, votre prénom et le numéro de téléphone portable communiqué à l'école ou à
        l'établissement scolaire.
      </p>
      <form method="post" action={`/interaction/${uid}/activation/identite`} novalidate>
        <CsrfInput token={csrf} />
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
        <TextField
          name="telephone"
          label="N° de téléphone portable"
          type="tel"
          inputMode="tel"
          value={values?.mobile}
          autocomplete="tel"
          hint="Pour les numéros hors France métropolitaine, merci d'indiquer l'indicatif régional."
          error={errors?.telephone}
          maxLength={30}
        />
        <div class="button-row">
          <button type="submit" form="activation-precedent" class="button-secondary">
            Précédent
          </button>
          <button type="submit" class="button-primary">
            Suivant
          </button>
        </div>
      </form>
      <form method="get" action={`/interaction/${uid}/login/responsable_legal`} id="activation-precedent" />
      <p>
        <a href={`/interaction/${uid}/activation/sans-portable`}>
          Je ne souhaite pas utiliser de téléphone portable
        </a>
      </p>
    </StepFrame>
  );
}

export interface CodePageProps {
  uid: string;
  csrf: string;
  maskedPhone: string;
  ttlMinutes: number;
  errors?: FieldErrors;
  message?: string;
  notice?: string;
}

/** Step 2: "Un code de sécurité a été envoyé". */
export function ActivationCodePage({
  uid,
  csrf,
  maskedPhone,
  ttlMinutes,
  errors,
  message,
  notice,
}: CodePageProps) {
  return (
    <StepFrame step={2} heading="Un code de sécurité a été envoyé" errors={errors} message={message}>
      {notice && (
        <p class="notice notice-success" role="status">
          {notice}
        </p>
      )}
      <p>
        Nous venons de vous envoyer un code de sécurité (valable {ttlMinutes} min) au{' '}
        <strong>{maskedPhone}</strong>
      </p>
      <form method="post" action={`/interaction/${uid}/activation/code`} novalidate>
        <CsrfInput token={csrf} />
        <TextField
          name="code"
          label="Code de sécurité"
          hint="Je saisis le code de sécurité à 6 chiffres reçu par SMS."
          inputMode="numeric"
          autocomplete="one-time-code"
          error={errors?.code}
          maxLength={6}
          pattern="[0-9]{6}"
        />
        <div class="button-row">
          <button type="submit" form="activation-retour" class="button-secondary">
            Précédent
          </button>
          <button type="submit" class="button-primary">
            Suivant
          </button>
        </div>
      </form>
      <form method="get" action={`/interaction/${uid}/activation`} id="activation-retour" />
      <form method="post" action={`/interaction/${uid}/activation/renvoi`}>
        <CsrfInput token={csrf} />
        <p>Je n'ai pas reçu le code par SMS</p>
        <button type="submit" class="button-link">
          Renvoyer le SMS
        </button>
      </form>
    </StepFrame>
  );
}

/** Step 3: "Je choisis mon nouveau mot de passe". */
export function ActivationPasswordPage({
  uid,
  csrf,
  errors,
  message,
}: {
  uid: string;
  csrf: string;
  errors?: FieldErrors;
  message?: string;
}) {
  return (
    <StepFrame
      step={3}
      heading="Je choisis mon nouveau mot de passe"
      errors={errors}
      message={message}
      scripts={['/static/password.js']}
    >
      <form method="post" action={`/interaction/${uid}/activation/mot-de-passe`} novalidate>
        <CsrfInput token={csrf} />
        <NewPasswordFields errors={errors} />
        <button type="submit" class="button-primary">
          Suivant
        </button>
      </form>
    </StepFrame>
  );
}

/** One fieldset per pupil: the radios and "Né(e) le". Shared by activation and "Ajout d'élèves". */
export function PupilFieldsets({
  pupils,
  answers,
  errors,
}: {
  pupils: PupilChoice[];
  answers?: Map<string, PupilAnswer>;
  errors?: FieldErrors;
}) {
  return (
    <>
      {pupils.map((pupil) => {
        const answer = answers?.get(pupil.id);
        const linkError = errors?.[`lien-${pupil.id}`];
        const dateError = errors?.[`naissance-${pupil.id}-jour`];
        return (
          <fieldset key={pupil.id} class="pupil-fieldset">
            <legend>
              {pupil.givenName} {pupil.familyName} – {pupil.establishmentName}
            </legend>
            <fieldset
              id={`lien-${pupil.id}`}
              tabIndex={-1}
              aria-describedby={linkError ? `lien-${pupil.id}-erreur` : undefined}
            >
              <legend class="visually-hidden">
                Lien avec {pupil.givenName} {pupil.familyName}
              </legend>
              {linkError && (
                <p class="error-text" id={`lien-${pupil.id}-erreur`}>
                  {linkError}
                </p>
              )}
              <div class="radio">
                <input
                  type="radio"
                  id={`lien-${pupil.id}-oui`}
                  name={`lien_${pupil.id}`}
                  value="oui"
                  checked={answer?.link === 'oui'}
                />
                <label for={`lien-${pupil.id}-oui`}>Je suis le représentant légal de cet élève</label>
              </div>
              <div class="radio">
                <input
                  type="radio"
                  id={`lien-${pupil.id}-non`}
                  name={`lien_${pupil.id}`}
                  value="non"
                  checked={answer?.link === 'non'}
                />
                <label for={`lien-${pupil.id}-non`}>Je ne suis pas le représentant légal de cet élève</label>
              </div>
            </fieldset>
            <BirthDateFieldset
              prefix={`naissance-${pupil.id}`}
              values={answer && { day: answer.day, month: answer.month, year: answer.year }}
              error={dateError}
            />
          </fieldset>
        );
      })}
    </>
  );
}

export interface PupilLinksPageProps {
  csrf: string;
  action: string;
  pupils: PupilChoice[];
  answers?: Map<string, PupilAnswer>;
  errors?: FieldErrors;
  message?: string;
  /** Activation step 4, or the "Ajout d'élèves" step of a later login. */
  mode: 'activation' | 'binding';
  laterAction?: string;
}

/** Step 4 "Je confirme mon lien avec les élèves", and "Ajout d'élèves" at a later login. */
export function PupilLinksPage({
  csrf,
  action,
  pupils,
  answers,
  errors,
  message,
  mode,
}: PupilLinksPageProps) {
  const intro =
    'Pour avoir accès aux services concernant les élèves ci-dessous, vous devez confirmer que vous êtes bien représentant(e) légal(e) de ces élèves et renseigner leur date de naissance.';
  const form = (
    <form method="post" action={action} novalidate>
      <CsrfInput token={csrf} />
      <PupilFieldsets pupils={pupils} answers={answers} errors={errors} />
      <button type="submit" class="button-primary">
        Confirmer
      </button>
    </form>
  );
  if (mode === 'activation') {
    return (
      <StepFrame step={4} heading="Je confirme mon lien avec les élèves" errors={errors} message={message}>
        <p>{intro}</p>
        {form}
      </StepFrame>
    );
  }
  const failed = Boolean(message || (errors && Object.keys(errors).length > 0));
  return (
    <Layout title={`${failed ? 'Erreur - ' : ''}Ajout d'élèves`} banner={BANNER}>
      <h1>Ajout d'élèves</h1>
      <p>De nouveaux élèves sont associés à votre compte dans la base de leur établissement. {intro}</p>
      <ErrorSummary message={message} errors={errors} />
      {form}
    </Layout>
  );
}

/** Step 5: "Votre compte a été activé avec succès". */
export function ActivationDonePage({
  uid,
  csrf,
  identifier,
}: {
  uid: string;
  csrf: string;
  identifier: string;
}) {
  return (
    <Layout title={`Votre compte a été activé avec succès - ${FLOW_TITLE}`} banner={BANNER}>
      <p class="lead">{FLOW_TITLE}</p>
      <p class="hint">Étape 5 sur 5</p>
      <div class="notice notice-success">
        <h1>Votre compte a été activé avec succès</h1>
        <p>Notez votre identifiant ÉduConnect. Vous en aurez besoin pour votre prochaine connexion.</p>
        <p>Votre identifiant</p>
        <p class="identifier">{identifier}</p>
        <p>
          Vous pourrez modifier votre mot de passe, votre adresse mail et votre numéro de téléphone dans votre
          compte ÉduConnect.
        </p>
      </div>
      <form method="post" action={`/interaction/${uid}/activation/acces`}>
        <CsrfInput token={csrf} />
        <button type="submit" class="button-primary">
          Accéder à mes services
        </button>
      </form>
    </Layout>
  );
}

/** "Je ne souhaite pas utiliser de téléphone portable": how to get credentials from the school. */
export function NoMobilePage({ uid }: { uid: string }) {
  return (
    <Layout title={`Activer mon compte sans téléphone portable - ${FLOW_TITLE}`} banner={BANNER}>
      <h1>Activer mon compte sans téléphone portable</h1>
      <p>
        Sans téléphone portable, l'école ou l'établissement scolaire de votre enfant vous remet vos
        identifiants ÉduConnect.
      </p>
      <ol class="bullets">
        <li>
          Contactez le secrétariat de l'école ou de l'établissement d'un de vos enfants (par téléphone, par le
          carnet de liaison ou sur place).
        </li>
        <li>
          L'établissement vous remet une notification avec votre identifiant et un mot de passe provisoire,
          valable 3 mois.
        </li>
        <li>
          À votre première connexion, vous choisissez votre mot de passe et confirmez la date de naissance de
          vos enfants.
        </li>
      </ol>
      <p>
        Si votre numéro de téléphone portable a changé, demandez aussi à l'établissement de le mettre à jour :
        vous pourrez ensuite activer votre compte vous-même par SMS.
      </p>
      <p>
        <a href={`/interaction/${uid}/login/responsable_legal`}>Revenir à la page de connexion</a>
      </p>
    </Layout>
  );
}

/** "Ajout d'élèves" after 5 wrong birth dates: nothing is bound, the login goes on. */
export function BindingFailedPage({ uid, csrf }: { uid: string; csrf: string }) {
  return (
    <Layout title="Ajout d'élèves interrompu" banner={BANNER}>
      <div class="notice notice-error">
        <h1>Ajout d'élèves interrompu</h1>
        <p>
          Vous avez saisi 5 dates de naissance erronées : ces élèves ne sont pas rattachés à votre compte.
        </p>
        <p>
          Vérifiez les dates de naissance auprès de l'établissement. Vous pourrez réessayer lors d'une
          prochaine connexion.
        </p>
      </div>
      <form method="post" action={`/interaction/${uid}/eleves/continuer`}>
        <CsrfInput token={csrf} />
        <button type="submit" class="button-primary">
          Continuer vers le service
        </button>
      </form>
    </Layout>
  );
}
