import {
  CsrfInput,
  ErrorSummary,
  type FieldErrors,
  NewPasswordFields,
  type PasswordRuleView,
} from '../ui/components.js';
import { Layout } from '../ui/layout.js';

export const ATEN_FLOW_TITLE = 'Création du compte ÉduConnect à partir du compte ATEN';

/** Step 4 of seed 001: « Une page Educonnect s'affiche, cliquez sur « Choisir mon mot de passe » ». */
export function AtenWelcomePage({
  profileLabel,
  uid,
  givenName,
  familyName,
}: {
  profileLabel: string;
  uid: string;
  givenName: string;
  familyName: string;
}) {
  return (
    <Layout title={`Bienvenue - ${ATEN_FLOW_TITLE}`} banner={profileLabel}>
      <p class="lead">{ATEN_FLOW_TITLE}</p>
      <h1>
        Bienvenue {givenName} {familyName}
      </h1>
      <p>
        Votre compte ATEN est reconnu. Il est remplacé par un compte ÉduConnect, que vous allez créer
        maintenant.
      </p>
      <p>Votre nouvel identifiant vous est donné à l'étape suivante ; vous choisissez votre mot de passe.</p>
      <p>
        <a class="button-primary" href={`/interaction/${uid}/aten/mot-de-passe`}>
          Choisir mon mot de passe
        </a>
      </p>
    </Layout>
  );
}

/** Step 5: « Notez l'identifiant qui est donné et saisissez deux fois le mot de passe … « Confirmer » ». */
export function AtenPasswordPage({
  profileLabel,
  uid,
  csrf,
  identifier,
  rules,
  errors,
  message,
}: {
  profileLabel: string;
  uid: string;
  csrf: string;
  identifier: string;
  rules: readonly PasswordRuleView[];
  errors?: FieldErrors;
  message?: string;
}) {
  const failed = Boolean(message || (errors && Object.keys(errors).length > 0));
  return (
    <Layout
      title={`${failed ? 'Erreur - ' : ''}Je choisis mon mot de passe - ${ATEN_FLOW_TITLE}`}
      banner={profileLabel}
      scripts={['/static/password.js']}
    >
      <p class="lead">{ATEN_FLOW_TITLE}</p>
      <h1>Je choisis mon mot de passe</h1>
      <ErrorSummary message={message} errors={errors} />
      <div class="notice notice-info">
        <h2>Notez votre identifiant</h2>
        <p>Vous en aurez besoin pour vous connecter à ÉduConnect : il remplace votre identifiant ATEN.</p>
        <p class="identifier">{identifier}</p>
      </div>
      <form method="post" action={`/interaction/${uid}/aten/mot-de-passe`} novalidate>
        <CsrfInput token={csrf} />
        <NewPasswordFields rules={rules} errors={errors} />
        <button type="submit" class="button-primary">
          Confirmer
        </button>
      </form>
    </Layout>
  );
}

/** Step 6: « Votre compte est créé », then back to the service (step 7). */
export function AtenCreatedPage({
  profileLabel,
  uid,
  csrf,
  identifier,
}: {
  profileLabel: string;
  uid: string;
  csrf: string;
  identifier: string;
}) {
  return (
    <Layout title={`Votre compte est créé - ${ATEN_FLOW_TITLE}`} banner={profileLabel}>
      <p class="lead">{ATEN_FLOW_TITLE}</p>
      <div class="notice notice-success">
        <h1>Votre compte est créé</h1>
        <p>
          Notez votre identifiant ÉduConnect. Votre compte ATEN ne sert plus : connectez-vous désormais avec
          ce compte.
        </p>
        <p>Votre identifiant</p>
        <p class="identifier">{identifier}</p>
      </div>
      <form method="post" action={`/interaction/${uid}/aten/acces`}>
        <CsrfInput token={csrf} />
        <button type="submit" class="button-primary">
          Accéder à mes services
        </button>
      </form>
    </Layout>
  );
}

export type AtenEndingReason =
  | 'already'
  | 'not_found'
  | 'invalid_account'
  | 'ticket'
  | 'unreachable'
  | 'closed';

const ENDINGS: Record<AtenEndingReason, { title: string; paragraphs: (detail?: string) => string[] }> = {
  already: {
    title: 'Vous avez déjà un compte ÉduConnect',
    paragraphs: (identifierHint) => [
      'Un compte ÉduConnect a déjà été créé pour vous, à partir de ce compte ATEN ou lors d’une activation. Un compte ATEN ne permet de créer qu’un seul compte ÉduConnect.',
      identifierHint
        ? `Connectez-vous avec votre identifiant ÉduConnect : il ${identifierHint}. Si vous ne le retrouvez plus : « Identifiant oublié ? » ci-dessous.`
        : 'Connectez-vous avec votre identifiant ÉduConnect. Si vous ne le retrouvez plus : « Identifiant oublié ? » ci-dessous.',
    ],
  },
  not_found: {
    title: 'Création du compte impossible',
    paragraphs: () => [
      'Les élèves de votre compte ATEN ne figurent pas dans la base élèves transmise par les établissements.',
      'Contactez l’établissement de votre enfant (ou le vôtre si vous êtes élève) : il vous indiquera comment obtenir votre compte ÉduConnect.',
    ],
  },
  invalid_account: {
    title: 'Création du compte impossible',
    paragraphs: () => [
      'Les informations de votre compte ATEN ne permettent pas de créer un compte ÉduConnect.',
      'Contactez l’établissement de votre enfant (ou le vôtre si vous êtes élève).',
    ],
  },
  ticket: {
    title: 'La connexion ATEN n’a pas abouti',
    paragraphs: () => [
      'La réponse de l’annuaire ATEN a expiré ou a déjà été utilisée.',
      'Recommencez la connexion avec votre compte ATEN.',
    ],
  },
  unreachable: {
    title: 'Service ATEN momentanément indisponible',
    paragraphs: () => ['L’annuaire ATEN ne répond pas. Réessayez dans quelques instants.'],
  },
  closed: {
    title: 'Les comptes ATEN ne sont plus acceptés',
    paragraphs: (closesOn) => [
      closesOn
        ? `Depuis le ${closesOn}, un compte ATEN ne permet plus de créer un compte ÉduConnect.`
        : 'Un compte ATEN ne permet plus de créer un compte ÉduConnect.',
      'Représentant légal : activez votre compte ÉduConnect avec le numéro de téléphone portable donné à l’établissement (« Je n’ai pas de compte » sous le formulaire de connexion).',
      'Élève : votre identifiant et votre mot de passe provisoire vous sont remis par votre établissement.',
    ],
  },
};

/** Why the transition stops here, and the ways forward that exist. */
export function AtenEndedPage({
  uid,
  reason,
  profile,
  detail,
}: {
  uid: string;
  reason: AtenEndingReason;
  /** The ATEN account's profile when known: its login page is the way forward. */
  profile?: 'responsable_legal' | 'eleve';
  /** `closed`: the closing date; `already`: what the existing identifier starts and ends with. */
  detail?: string;
}) {
  const ending = ENDINGS[reason];
  const links =
    reason === 'ticket' || reason === 'unreachable'
      ? [{ href: `/interaction/${uid}/aten`, label: 'Recommencer avec mon compte ATEN' }]
      : reason === 'already' && profile
        ? [
            {
              href: `/interaction/${uid}/login/${profile}`,
              label: 'Je me connecte avec mon compte ÉduConnect',
            },
            {
              href: `/interaction/${uid}/identifiant-oublie${profile === 'eleve' ? '/eleve' : ''}`,
              label: 'Identifiant oublié ?',
            },
          ]
        : [
            { href: `/interaction/${uid}/login/responsable_legal`, label: 'Je suis représentant légal' },
            { href: `/interaction/${uid}/login/eleve`, label: 'Je suis élève' },
          ];
  return (
    <Layout title={ending.title}>
      <div class={`notice notice-${reason === 'already' ? 'info' : 'error'}`}>
        <h1>{ending.title}</h1>
        {ending.paragraphs(detail).map((p) => (
          <p key={p}>{p}</p>
        ))}
      </div>
      <ul class="link-list">
        {links.map((link) => (
          <li key={link.href}>
            <a href={link.href}>{link.label}</a>
          </li>
        ))}
      </ul>
    </Layout>
  );
}
