import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/demo/demo-data.js';
import { Journey, launchChromium } from '../helpers/chromium.js';
import { type DemoStack, startDemoStack } from '../helpers/demo-stack.js';

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: '320px', width: 320, height: 640 },
];

let browser: Browser;
let stack: DemoStack;
// One stack for both widths: nothing here completes an activation.
beforeAll(async () => {
  browser = await launchChromium();
  stack = await startDemoStack('pglite');
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe.each(VIEWPORTS)('the seeds’ wording and details in Chromium at $name', (viewport) => {
  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  async function open(directory: string): Promise<Journey> {
    const context = await browser.newContext({
      viewport: { width: viewport.width, height: viewport.height },
      locale: 'fr-FR',
    });
    contexts.push(context);
    return new Journey(await context.newPage(), `seed-${directory}-${viewport.name}`);
  }

  async function smsCode(to: string): Promise<string> {
    const response = await fetch(`${stack.idp.baseUrl}/dev/outbox?to=${encodeURIComponent(to)}`);
    const [message] = (await response.json()) as { body: string }[];
    return /\b(\d{6})\b/.exec(message?.body ?? '')![1]!;
  }

  it('activation: the identity step as worded by the seeds, the code field, « Précédent », the help pages', async () => {
    const journey = await open('activation');
    const { page } = journey;
    await page.goto(`${stack.ent.baseUrl}/`);
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
    await page.getByRole('link', { name: 'Représentant légal', exact: true }).click();
    await page.getByRole('link', { name: "Je n'ai pas de compte" }).click();

    await page
      .getByRole('heading', { level: 1, name: "L'activation est réservée aux représentants légaux" })
      .waitFor();
    await page
      .getByRole('heading', { level: 2, name: 'Je renseigne mon n° de téléphone portable' })
      .waitFor();
    await expect(page.getByRole('main').textContent()).resolves.toContain(
      "Indiquez le numéro de téléphone portable communiqué à l'école ou à l'établissement scolaire. Il est indispensable pour activer votre compte.",
    );
    const phone = page.getByLabel('N° de téléphone portable');
    await expect(phone.inputValue()).resolves.toBe('+33 ');
    await journey.step('identite');
    await page.getByLabel('Nom', { exact: true }).fill('Durand');
    await page.getByLabel('Prénom', { exact: true }).fill('Sophie');
    // After the +33 already there, as a parent types.
    await phone.focus();
    await page.keyboard.press('End');
    await page.keyboard.type('6 12 34 56 78');
    await expect(phone.inputValue()).resolves.toBe('+33 6 12 34 56 78');
    await page.getByRole('button', { name: 'Suivant' }).click();

    await page.getByRole('heading', { name: 'Un code de sécurité a été envoyé' }).waitFor();
    const code = page.getByLabel('Code de sécurité');
    await code.fill('12345');
    await page.getByRole('button', { name: 'Suivant' }).click();
    await page.getByText('Le code de sécurité comporte 6 chiffres.').first().waitFor();
    await journey.step('code-mal-forme');
    // « 585 265 » pasted as the SMS shows it: the field keeps all of it.
    const sms = await smsCode('+33612345678');
    await code.fill('');
    await code.focus();
    await page.keyboard.insertText(`${sms.slice(0, 3)} ${sms.slice(3)}`);
    await expect(code.inputValue()).resolves.toBe(`${sms.slice(0, 3)} ${sms.slice(3)}`);
    await page.getByRole('button', { name: 'Suivant' }).click();

    await page.getByRole('heading', { name: 'Je choisis mon nouveau mot de passe' }).waitFor();
    const help = page.getByRole('link', { name: 'Aide à la création de mot de passe sécurisé' });
    await expect(help.getAttribute('target')).resolves.toBe('_blank');
    await expect(
      page.getByRole('list').filter({ hasText: 'caractère spécial' }).textContent(),
    ).resolves.toContain('_ . , ; &');
    await journey.step('mot-de-passe');
    await page.getByRole('button', { name: 'Précédent' }).click();
    await page
      .getByRole('heading', { level: 1, name: "L'activation est réservée aux représentants légaux" })
      .waitFor();
    await expect(page.getByLabel('Nom', { exact: true }).inputValue()).resolves.toBe('Durand');
    await expect(page.getByLabel('N° de téléphone portable').inputValue()).resolves.toBe('+33 6 12 34 56 78');

    await page.getByRole('contentinfo').getByRole('link', { name: "Page d'aide ÉduConnect" }).click();
    await page.getByRole('heading', { level: 1, name: "Page d'aide ÉduConnect" }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Qui contacter ?' }).waitFor();
    await journey.step('aide');
    await page.goto(`${stack.idp.baseUrl}/aide/mot-de-passe`);
    await page
      .getByRole('heading', { level: 1, name: 'Aide à la création de mot de passe sécurisé' })
      .waitFor();
    await journey.step('aide-mot-de-passe');
  });

  it('logout: the ENT says what is true when only it was left, and offers to leave ÉduConnect too', async () => {
    const journey = await open('deconnexion');
    const { page } = journey;
    await page.goto(`${stack.ent.baseUrl}/`);
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
    await page.getByRole('link', { name: 'Représentant légal', exact: true }).click();
    await page.getByLabel('Identifiant').fill('c.martin12');
    await page.getByLabel('Mot de passe', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('heading', { name: 'Choisissez un établissement' }).waitFor();
    await expect(page.getByRole('banner').textContent()).resolves.toContain(
      "Collèges et lycées de l'académie",
    );

    // What a service that is not first-party shows: ÉduConnect's own question.
    const back = encodeURIComponent(`${stack.ent.baseUrl}/`);
    await page.goto(
      `${stack.idp.baseUrl}/session/end?client_id=ent-demo&state=deconnecte&post_logout_redirect_uri=${back}`,
    );
    await page.getByRole('heading', { name: "Souhaitez-vous vous déconnecter d'ÉduConnect ?" }).waitFor();
    await page.getByRole('button', { name: 'Me déconnecter uniquement de ce service' }).click();
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).waitFor();
    await expect(page.getByRole('status').textContent()).resolves.toBe(
      'Vous êtes déconnecté de l’ENT. Vous êtes toujours connecté à ÉduConnect sur cet appareil.',
    );
    await journey.step('ent-seul');

    await page.getByRole('link', { name: "Me déconnecter aussi d'ÉduConnect" }).click();
    await page.getByRole('heading', { name: "Souhaitez-vous vous déconnecter d'ÉduConnect ?" }).waitFor();
    await page.getByRole('button', { name: 'Se déconnecter', exact: true }).click();
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).waitFor();
    await expect(page.getByRole('status').textContent()).resolves.toBe(
      'Vous êtes déconnecté de l’ENT et d’ÉduConnect.',
    );
    // ÉduConnect's session is gone: the ENT's login asks for the profile again.
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
    await page.getByRole('heading', { name: 'Je sélectionne mon profil' }).waitFor();
  });
});
