import type { Context } from 'koa';
import { createElement } from 'preact';
import { EntMessagePage, type EntMessageProps } from '../../views/ent/pages.js';
import { renderPage } from '../http/render.js';
import type { PortalProfile } from './portal.js';

const START_AGAIN = { href: '/', label: 'Se connecter à nouveau' };

export function renderEntMessage(ctx: Context, props: EntMessageProps, status: number): void {
  renderPage(ctx, createElement(EntMessagePage, props), status);
}

export const MESSAGES = {
  idpDown: {
    title: 'Service de connexion indisponible',
    paragraphs: [
      "Le service de connexion ÉduConnect ne répond pas pour l'instant.",
      'Réessayez dans quelques minutes.',
    ],
    action: { href: '/', label: 'Réessayer' },
  },
  cancelled: {
    title: 'Connexion annulée',
    paragraphs: ['Vous avez annulé la connexion avec ÉduConnect. Vous n’êtes pas connecté à l’ENT.'],
    action: START_AGAIN,
  },
  refused: {
    title: 'Connexion impossible',
    paragraphs: ['ÉduConnect n’a pas pu vous connecter à l’ENT.'],
    action: START_AGAIN,
  },
  stateMismatch: {
    title: 'La connexion n’a pas abouti',
    paragraphs: [
      'La réponse reçue d’ÉduConnect ne correspond pas à la connexion demandée depuis ce navigateur (lien ancien ou ouvert dans un autre onglet).',
      'Par sécurité, elle a été ignorée. Recommencez la connexion.',
    ],
    action: START_AGAIN,
  },
  expired: {
    title: 'Votre session a expiré',
    paragraphs: [
      'Par sécurité, votre session sur l’ENT se termine après un temps sans activité, ou la connexion a pris trop de temps.',
    ],
    action: START_AGAIN,
  },
  unsupportedProfile: {
    title: 'Profil non pris en charge',
    paragraphs: ['Cet ENT accueille les élèves et les représentants légaux.'],
    action: START_AGAIN,
  },
  csrf: {
    title: 'Formulaire expiré',
    paragraphs: ['Le formulaire a expiré ou ne vient pas de cet ENT. Revenez à l’accueil et recommencez.'],
    action: { href: '/', label: 'Revenir à l’accueil' },
  },
  notFound: {
    title: 'Page introuvable',
    paragraphs: ['Cette page n’existe pas sur l’ENT.'],
    action: { href: '/', label: 'Revenir à l’accueil' },
  },
  technical: {
    title: 'Erreur technique',
    paragraphs: ['Une erreur technique est survenue. Réessayez dans quelques instants.'],
    action: { href: '/', label: 'Revenir à l’accueil' },
  },
  loggedOutIdpDown: {
    title: 'Vous êtes déconnecté de l’ENT',
    paragraphs: [
      'ÉduConnect ne répond pas : votre session ÉduConnect sur cet appareil se terminera d’elle-même.',
    ],
    action: { href: '/', label: 'Revenir à l’accueil' },
  },
} satisfies Record<string, EntMessageProps>;

/** A logged-in person with no establishment: where to turn. */
export function noEstablishmentMessage(profile: PortalProfile): EntMessageProps {
  return {
    title: 'Aucun établissement',
    paragraphs: [
      profile === 'eleve'
        ? 'Votre compte n’est rattaché à aucun établissement. Adressez-vous au secrétariat de votre établissement.'
        : 'Aucun élève n’est rattaché à votre compte. Reconnectez-vous pour rattacher vos enfants, ou adressez-vous au secrétariat de leur établissement.',
    ],
  };
}
