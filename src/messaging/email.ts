import nodemailer, { type Transporter } from 'nodemailer';
import type { Db } from '../db/database.js';
import type { SecretBox } from '../domain/secrets.js';
import { enqueueMessage } from './outbox.js';
import type { DeliveredMessage, Transport } from './transports.js';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** What an email outbox row carries (sealed, like an SMS text: confirmation links are secrets too). */
export type EmailContent = Omit<EmailMessage, 'to'>;

/**
 * Queues an email in the persistent outbox (channel `email`). Call it with the caller's transaction,
 * so that the email and the state it reports are kept or lost together; the dispatcher sends it.
 */
export async function enqueueEmail(db: Db, box: SecretBox, message: EmailMessage): Promise<string> {
  const content: EmailContent = { subject: message.subject, text: message.text, html: message.html };
  return enqueueMessage(db, box, { channel: 'email', to: message.to, body: JSON.stringify(content) });
}

/** The subject and parts of an email body as the outbox stores it; null when it is not one. */
export function parseEmailBody(body: string): EmailContent | null {
  try {
    const parsed = JSON.parse(body) as Partial<EmailContent>;
    if (typeof parsed.subject !== 'string' || typeof parsed.text !== 'string') return null;
    return {
      subject: parsed.subject,
      text: parsed.text,
      html: typeof parsed.html === 'string' ? parsed.html : '',
    };
  } catch {
    return null;
  }
}

/** Escapes text for the HTML part of an email. */
export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/**
 * A simple French email: paragraphs of text, and at most one link, in both a plain-text and an HTML
 * part (mail clients that block HTML still show the link).
 */
export function composeEmail(
  to: string,
  subject: string,
  paragraphs: string[],
  link?: { label: string; url: string },
): EmailMessage {
  const lines = [...paragraphs];
  if (link) lines.splice(1, 0, `${link.label} : ${link.url}`);
  const text = `Bonjour,\n\n${lines.join('\n\n')}\n\nL'équipe ÉduConnect\n(Ce message est envoyé automatiquement : merci de ne pas y répondre.)\n`;
  const html = [
    '<!doctype html><html lang="fr"><body style="font-family: Arial, sans-serif; line-height: 1.5">',
    '<p>Bonjour,</p>',
    ...paragraphs.map((p, i) =>
      i === 0 && link
        ? `<p>${escapeHtml(p)}</p><p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p><p style="font-size: 0.9em">Si le lien ne s'ouvre pas, copiez cette adresse dans votre navigateur : ${escapeHtml(link.url)}</p>`
        : `<p>${escapeHtml(p)}</p>`,
    ),
    "<p>L'équipe ÉduConnect<br><small>Ce message est envoyé automatiquement : merci de ne pas y répondre.</small></p>",
    '</body></html>',
  ].join('\n');
  return { to, subject, text, html };
}

/**
 * Sends through an SMTP server with nodemailer. The Message-ID is derived from the outbox id (the
 * same at every attempt), so a message sent again after a crash can be recognised as a duplicate.
 */
export class SmtpEmailTransport implements Transport {
  readonly name = 'smtp';
  private readonly transporter: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly domain: string,
    timeoutMs = 10_000,
  ) {
    const url = new URL(smtpUrl);
    this.transporter = nodemailer.createTransport({
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
      secure: url.protocol === 'smtps:',
      auth: url.username
        ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
        : undefined,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
  }

  async send(message: DeliveredMessage): Promise<void> {
    const content = parseEmailBody(message.body);
    if (!content) throw new Error('courriel illisible');
    await this.transporter.sendMail({
      from: this.from,
      to: message.to,
      subject: content.subject,
      text: content.text,
      html: content.html || undefined,
      messageId: `<${message.id}@${this.domain}>`,
    });
  }

  close(): void {
    this.transporter.close();
  }
}
