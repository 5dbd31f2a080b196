import type { HelpTopic } from '../../../views/help/help.js';

/**
 * « Page d'aide ÉduConnect », one topic per thing a parent asks (seeds 000-002). Only what this
 * service does is described: a flow that adds a way in adds or extends its topic here.
 */
const FRANCECONNECT_TOPIC: HelpTopic = {
  id: 'franceconnect',
  title: 'Me connecter avec FranceConnect',
  paragraphs: [
    'Les représentants légaux peuvent se connecter via FranceConnect (Impôts, l’Assurance Maladie, etc.) : sur la page de connexion du profil « Représentant légal », cliquez sur « S’identifier avec FranceConnect ».',
    'À la première connexion avec FranceConnect, indiquez le même numéro de téléphone portable que celui déjà communiqué à l’établissement, puis confirmez avec le code de validation reçu par SMS et la date de naissance de votre (vos) enfant(s). Les fois suivantes, vous êtes reconnu directement.',
  ],
};

/** The topics of this deployment: FranceConnect's only where FranceConnect is offered. */
export function helpTopics(options: { franceConnect: boolean }): HelpTopic[] {
  if (!options.franceConnect) return HELP_TOPICS;
  const at = HELP_TOPICS.findIndex((topic) => topic.id === 'identifiants-oublies');
  return [...HELP_TOPICS.slice(0, at), FRANCECONNECT_TOPIC, ...HELP_TOPICS.slice(at)];
}

export const HELP_TOPICS: HelpTopic[] = [
  {
    id: 'activer',
    title: 'Activer mon compte de représentant légal',
    paragraphs: [
      'Un compte doit être activé par chaque représentant légal. Il vous faut le numéro de téléphone portable que vous avez communiqué à l’école ou à l’établissement de votre enfant.',
    ],
    steps: [
      'Depuis le site de votre ENT ou d’un service en ligne, choisissez ÉduConnect, puis le profil « Représentant légal ».',
      'Sous le formulaire de connexion, cliquez sur « Je n’ai pas de compte ».',
      'Indiquez votre nom, votre prénom et votre numéro de téléphone portable, puis cliquez sur « Suivant ».',
      'Saisissez le code de sécurité reçu par SMS (valable 30 minutes). Sans SMS, cliquez sur « Renvoyer le SMS ».',
      'Choisissez votre mot de passe et confirmez-le.',
      'Confirmez que vous êtes le représentant légal de chaque élève et indiquez sa date de naissance.',
      'Notez votre identifiant ÉduConnect : vous en aurez besoin à chaque connexion.',
    ],
  },
  {
    id: 'sans-portable',
    title: 'Je n’ai pas de téléphone portable, ou mon numéro a changé',
    paragraphs: [
      'L’activation par SMS n’est possible qu’avec le numéro de téléphone portable connu de l’établissement.',
      'Sans téléphone portable, adressez-vous au secrétariat de l’école ou de l’établissement d’un de vos enfants : il vous remet une notification avec votre identifiant et un mot de passe provisoire, valable 3 mois. À la première connexion, vous choisissez votre mot de passe, vous confirmez vos enfants par leur date de naissance, puis vous indiquez une adresse électronique, que vous confirmez avec le lien reçu par courriel.',
      'Si votre numéro a changé, choisissez « Je ne souhaite pas utiliser de téléphone portable » pendant l’activation : vous pouvez y signaler votre nouveau numéro à l’établissement, qui le vérifie et le met à jour. Vous pouvez aussi contacter directement son secrétariat.',
    ],
  },
  {
    id: 'identifiants-oublies',
    title: 'J’ai oublié mon identifiant ou mon mot de passe',
    paragraphs: [
      'Votre identifiant a la forme j.dupond25 : l’initiale de votre prénom, un point, votre nom et des chiffres. Il vous a été affiché à la fin de l’activation.',
      'Sur la page de connexion, cliquez sur « Identifiant oublié ? » ou sur « Mot de passe oublié ? ». Un code de sécurité vous est envoyé par SMS au numéro de téléphone portable connu d’ÉduConnect ou de l’établissement ; si vous avez confirmé une adresse électronique, vous pouvez choisir de recevoir un courriel à la place.',
      'Élèves : demandez un nouveau mot de passe provisoire à votre établissement, ou l’aide d’un de vos parents.',
    ],
  },
  {
    id: 'mot-de-passe',
    title: 'Aide à la création de mot de passe sécurisé',
    paragraphs: [
      'Votre mot de passe protège les informations de vos enfants : choisissez-le long et propre à ÉduConnect.',
    ],
    steps: [
      'Une phrase de passe est à la fois facile à retenir et difficile à deviner : quelques mots sans rapport entre eux, reliés par des chiffres ou des caractères spéciaux, par exemple « Cartable7-Nuage!Vélo ».',
      'N’utilisez pas le mot de passe d’un autre site : si ce site se fait voler ses mots de passe, votre compte ÉduConnect resterait protégé.',
      'Évitez votre nom, votre prénom, ceux de vos enfants, les dates de naissance et les mots courants (azerty, motdepasse, soleil…).',
      'Un gestionnaire de mots de passe (celui de votre navigateur ou de votre téléphone, par exemple) peut créer et retenir pour vous un mot de passe différent pour chaque site.',
      'Ne communiquez jamais votre mot de passe, même à l’établissement : personne ne vous le demandera.',
    ],
  },
  {
    id: 'mon-compte',
    title: 'Modifier mon mot de passe, mon adresse électronique ou mon numéro',
    paragraphs: [
      'Connectez-vous sur la page d’accueil d’ÉduConnect, ou suivez le lien « Mon compte ÉduConnect » de votre ENT : la page « Mon compte » permet de changer votre mot de passe, votre adresse électronique et votre numéro de téléphone portable, de rattacher un nouvel enfant (« Ajout d’élèves ») et de voir les services qui ont reçu vos informations, pour leur retirer l’accès.',
      'Un nouveau numéro de téléphone portable est confirmé par un code reçu par SMS. L’établissement garde sa propre copie de votre numéro : pensez à le lui communiquer aussi.',
    ],
  },
  {
    id: 'contacts',
    title: 'Qui contacter ?',
    paragraphs: [
      'Pour vos informations (nom, numéro de téléphone portable, élèves rattachés à votre compte) : le secrétariat de l’école ou de l’établissement de votre enfant, qui les tient à jour.',
      'Pour le contenu de l’ENT ou d’un service en ligne : l’établissement, ou l’assistance indiquée sur le site de ce service.',
    ],
  },
];
