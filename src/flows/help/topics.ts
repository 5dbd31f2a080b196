import type { HelpTopic } from '../../../views/help/help.js';

/**
 * « Page d'aide ÉduConnect », one topic per thing a parent asks (seeds 000-002). Only what this
 * service does today is described: a flow that adds a way in (FranceConnect, recovery of forgotten
 * credentials, notifications issued by the school) adds or extends its topic here.
 */
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
      'Contactez le secrétariat de l’école ou de l’établissement d’un de vos enfants : il vous indiquera comment obtenir vos identifiants, et mettra à jour votre numéro s’il a changé.',
    ],
  },
  {
    id: 'identifiants-oublies',
    title: 'J’ai oublié mon identifiant ou mon mot de passe',
    paragraphs: [
      'Votre identifiant a la forme j.dupond25 : l’initiale de votre prénom, un point, votre nom et des chiffres. Il vous a été affiché à la fin de l’activation.',
      'Si vous ne le retrouvez pas, ou si vous avez oublié votre mot de passe, contactez le secrétariat de l’école ou de l’établissement de votre enfant.',
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
    id: 'contacts',
    title: 'Qui contacter ?',
    paragraphs: [
      'Pour vos informations (nom, numéro de téléphone portable, élèves rattachés à votre compte) : le secrétariat de l’école ou de l’établissement de votre enfant, qui les tient à jour.',
      'Pour le contenu de l’ENT ou d’un service en ligne : l’établissement, ou l’assistance indiquée sur le site de ce service.',
    ],
  },
];
