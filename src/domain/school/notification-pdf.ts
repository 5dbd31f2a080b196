import PDFDocument from 'pdfkit';
import { PROFILE_LABELS } from '../accounts/accounts.js';
import type { NotificationSheet } from './notifications.js';

/** The wording of a printed notification, shared by the PDF and the print-ready HTML page. */
export interface NotificationText {
  title: string;
  person: string;
  lines: { label: string; value: string }[];
  whereTitle: string;
  where: string[];
  firstLoginTitle: string;
  firstLogin: string[];
}

export function frenchDate(date: Date): string {
  return date.toLocaleDateString('fr-FR', {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    timeZone: 'Europe/Paris',
  });
}

export function notificationText(sheet: NotificationSheet, loginUrl: string): NotificationText {
  const pupil = sheet.profile === 'eleve';
  return {
    title: `Notification de compte ÉduConnect - ${sheet.establishmentName}`,
    person: `${PROFILE_LABELS[sheet.profile]} : ${sheet.givenName} ${sheet.familyName}`,
    lines: [
      ...(pupil && sheet.level ? [{ label: 'Niveau', value: sheet.level }] : []),
      ...(!pupil && sheet.children.length > 0
        ? [{ label: sheet.children.length > 1 ? 'Élèves' : 'Élève', value: sheet.children.join(', ') }]
        : []),
      { label: 'Identifiant', value: sheet.identifier },
      { label: 'Mot de passe provisoire', value: sheet.temporaryPassword },
      { label: "Valable jusqu'au", value: `${frenchDate(sheet.expiresAt)} (3 mois)` },
    ],
    whereTitle: 'Où vous connecter',
    where: [
      "Sur l'ENT ou le téléservice de l'établissement, choisissez « ÉduConnect », puis votre profil " +
        `« ${PROFILE_LABELS[sheet.profile]} ».`,
      `Adresse du service ÉduConnect : ${loginUrl}`,
    ],
    firstLoginTitle: 'À votre première connexion',
    firstLogin: pupil
      ? [
          '1. Saisissez votre identifiant et ce mot de passe provisoire.',
          '2. Choisissez votre propre mot de passe (le mot de passe provisoire est refusé).',
          '3. Confirmez votre date de naissance (Né(e) le).',
        ]
      : [
          '1. Saisissez votre identifiant et ce mot de passe provisoire.',
          '2. Choisissez votre propre mot de passe (le mot de passe provisoire est refusé).',
          '3. Confirmez la date de naissance de vos enfants.',
          '4. Indiquez votre adresse électronique, puis ouvrez le lien de confirmation reçu par courriel.',
        ],
  };
}

/** One A4 page per notification; resolves to the PDF's bytes. */
export function notificationsPdf(sheets: NotificationSheet[], loginUrl: string): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    autoFirstPage: false,
    info: { Title: 'Notifications ÉduConnect', Author: 'ÉduConnect' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  for (const sheet of sheets) {
    const text = notificationText(sheet, loginUrl);
    doc.addPage();
    doc.font('Helvetica-Bold').fontSize(16).text(text.title);
    doc.moveDown();
    doc.fontSize(13).text(text.person);
    doc.moveDown(0.5);
    for (const line of text.lines) {
      doc.font('Helvetica').fontSize(12).text(`${line.label} : `, { continued: true });
      doc.font('Courier-Bold').fontSize(13).text(line.value);
    }
    doc.moveDown();
    doc.font('Helvetica-Bold').fontSize(12).text(text.whereTitle);
    doc.font('Helvetica').fontSize(11);
    for (const line of text.where) doc.text(line);
    doc.moveDown();
    doc.font('Helvetica-Bold').fontSize(12).text(text.firstLoginTitle);
    doc.font('Helvetica').fontSize(11);
    for (const line of text.firstLogin) doc.text(line);
    doc.moveDown();
    doc
      .fontSize(9)
      .text(
        'Document personnel : ne le communiquez à personne. Conservez votre identifiant après la première connexion.',
      );
  }
  doc.end();
  return done;
}
