import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestEmailConfirmation } from '../../src/domain/accounts/email-confirmation.js';
import { enqueueEmail } from '../../src/messaging/email.js';
import { listOutbox, messageBox } from '../../src/messaging/outbox.js';
import { HttpBrowser, textOf } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-server.js';

const linkIn = (text: string) => /(http:\/\/\S+\/courriel\/confirmer\/[A-Za-z0-9_-]+)/.exec(text)?.[1];

describe.each(DATABASE_KINDS)('email over SMTP and confirmation links on %s', (kind) => {
  let idp: TestIdp;
  let smtp: SmtpCatcher;
  let accountId: string;

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    idp = await startTestIdp(kind, {
      env: {
        EMAIL_TRANSPORT: 'smtp',
        SMTP_URL: smtp.url,
        EMAIL_FROM: 'ÉduConnect <ne-pas-repondre@educonnect.test>',
        OUTBOX_POLL_MS: '50',
      },
    });
    const account = await idp.database.db
      .insertInto('accounts')
      .values({
        profile: 'responsable_legal',
        identifier: 'a.courriel1',
        given_name: 'Anne',
        family_name: 'Courriel',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    accountId = account.id;
  });
  afterAll(async () => {
    await idp?.stop();
    await smtp?.close();
  });

  const box = () => messageBox(idp.config.secretKey);
  const request = (email: string, ttlHours = 24) =>
    idp.database.db.transaction().execute(async (trx) => {
      await requestEmailConfirmation(trx, box(), { accountId, email, issuer: idp.baseUrl, ttlHours });
    });
  const account = () =>
    idp.database.db
      .selectFrom('accounts')
      .select(['email', 'email_verified'])
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();

  it('sends an outbox email through a real SMTP server, with a text and an HTML part', async () => {
    await idp.database.db.transaction().execute((trx) =>
      enqueueEmail(trx, box(), {
        to: 'parent@exemple.fr',
        subject: 'Objet accentué : élève',
        text: 'Texte du message',
        html: '<p>Texte du message</p>',
      }),
    );
    const received = await smtp.waitFor((m) => m.subject === 'Objet accentué : élève');
    expect(received.to).toEqual(['parent@exemple.fr']);
    expect(received.from).toBe('ne-pas-repondre@educonnect.test');
    expect(received.text.trim()).toBe('Texte du message');
    expect(received.html).toContain('<p>Texte du message</p>');
    // sent: the body is erased, `outbox list` shows where and whether
    for (let i = 0; i < 100; i++) {
      const [entry] = await listOutbox(idp.database.db, { to: 'parent@exemple.fr' });
      if (entry?.status === 'sent') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const [entry] = await listOutbox(idp.database.db, { to: 'parent@exemple.fr' });
    expect(entry).toMatchObject({ channel: 'email', status: 'sent', sealedBody: null, attempts: 1 });
    // /dev/outbox filters by email address too
    const dev = (await (await fetch(`${idp.baseUrl}/dev/outbox?to=parent@exemple.fr`)).json()) as unknown[];
    expect(dev).toEqual([
      expect.objectContaining({ channel: 'email', to: 'parent@exemple.fr', status: 'sent' }),
    ]);
    const none = await (
      await fetch(`${idp.baseUrl}/dev/outbox?to=${encodeURIComponent("x' or 1=1")}`)
    ).json();
    expect(none).toEqual([]);
  });

  it('confirms an address by its link: the GET page changes nothing, the button does, once', async () => {
    await request('anne.courriel@exemple.fr');
    const email = await smtp.waitFor((m) => m.to.includes('anne.courriel@exemple.fr'));
    expect(email.subject).toBe('ÉduConnect : confirmez votre adresse électronique');
    expect(email.text).toContain('valable 24 heures');
    const link = linkIn(email.text)!;
    expect(link.startsWith(`${idp.baseUrl}/courriel/confirmer/`)).toBe(true);
    expect(email.html).toContain(link);
    // the token is stored hashed only
    const stored = await idp.database.db.selectFrom('email_confirmations').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(link.split('/').pop());

    const browser = new HttpBrowser();
    const page = await browser.get(link);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain('Confirmer mon adresse électronique');
    // a mail scanner following the link twice confirms nothing
    await browser.get(link);
    expect(await account()).toEqual({ email: null, email_verified: false });

    // without the form's CSRF token: refused, nothing written
    const forged = await new HttpBrowser().request(link, { form: { _csrf: 'x' } });
    expect(forged.status).toBe(403);
    expect(await account()).toEqual({ email: null, email_verified: false });

    const done = await browser.submit(page, '/courriel/confirmer/');
    expect(done.status).toBe(200);
    expect(textOf(done.html)).toContain('Votre adresse électronique anne.courriel@exemple.fr est confirmée');
    expect(await account()).toEqual({ email: 'anne.courriel@exemple.fr', email_verified: true });

    const again = await browser.submit(page, '/courriel/confirmer/');
    expect(again.status).toBe(410);
    expect(textOf(again.html)).toContain('déjà été utilisé');
  });

  it('refuses unknown, expired and superseded links with a French page, changing nothing', async () => {
    const browser = new HttpBrowser();
    const unknown = await browser.get(`${idp.baseUrl}/courriel/confirmer/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(textOf(unknown.html)).toContain("Ce lien de confirmation n'est pas valable");
    const garbage = await browser.get(`${idp.baseUrl}/courriel/confirmer/%00%27`);
    expect(garbage.status).toBe(404);

    await request('ancien@exemple.fr');
    const first = linkIn((await smtp.waitFor((m) => m.to.includes('ancien@exemple.fr'))).text)!;
    await request('nouveau@exemple.fr');
    const second = linkIn((await smtp.waitFor((m) => m.to.includes('nouveau@exemple.fr'))).text)!;
    const superseded = await browser.get(first);
    expect(superseded.status).toBe(410);
    expect(textOf(superseded.html)).toContain('a expiré');

    await idp.database.db
      .updateTable('email_confirmations')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('email', '=', 'nouveau@exemple.fr')
      .execute();
    const page = await browser.get(second);
    expect(page.status).toBe(410);
    // the address confirmed before is still the account's
    expect(await account()).toEqual({ email: 'anne.courriel@exemple.fr', email_verified: true });
  });
});
