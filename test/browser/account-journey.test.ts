import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/demo/demo-data.js';
import { Journey, launchChromium } from '../helpers/chromium.js';
import { type DemoStack, startDemoStack } from '../helpers/demo-stack.js';

const NEW_PASSWORD = 'Gomme-Verte-2026';
const EMAIL = 'claire.martin@exemple.fr';
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: '320px', width: 320, height: 640 },
];

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Each width gets its own IdP + ENT: the journey changes the demo parent's password. */
describe.each(VIEWPORTS)('« Mon compte » in Chromium at $name', (viewport) => {
  let stack: DemoStack;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    stack = await startDemoStack('pglite');
  }, 60_000);
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** The newest development-outbox message to `to` (an SMS text, or an email's plain text). */
  async function outbox(to: string, pattern: RegExp): Promise<string> {
    let found: string | undefined;
    await expect
      .poll(async () => {
        const response = await fetch(`${stack.idp.baseUrl}/dev/outbox?to=${encodeURIComponent(to)}`);
        const messages = (await response.json()) as { body: string | null }[];
        found = messages.map((m) => pattern.exec(m.body ?? '')?.[1]).find(Boolean);
        return found;
      })
      .toBeTruthy();
    return found!;
  }

  async function open(directory: string): Promise<Journey> {
    const context = await browser.newContext({
      viewport: { width: viewport.width, height: viewport.height },
      locale: 'fr-FR',
    });
    contexts.push(context);
    return new Journey(await context.newPage(), `${directory}-${viewport.name}`);
  }

  it('a parent signs in at /, changes password, email and phone, then reaches « Mon compte » from the ENT and withdraws its access', async () => {
    const journey = await open('compte');
    const { page } = journey;
    await page.goto(`${stack.idp.baseUrl}/`);
    await page.getByRole('heading', { name: 'Je sélectionne mon profil' }).waitFor();
    await expect(page.getByText('Vous vous connectez au service').count()).resolves.toBe(0);
    await journey.step('portail-profil');
    await page.getByRole('link', { name: 'Représentant légal', exact: true }).click();
    await page.getByLabel('Identifiant').fill('c.martin12');
    await page.getByLabel('Mot de passe', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('heading', { name: 'Mon compte ÉduConnect' }).waitFor();
    const main = page.getByRole('main');
    await expect(main.textContent()).resolves.toContain('Lucas Martin – Collège Jean Moulin');
    await journey.step('mon-compte');

    // Password: a wrong current one, then the change
    await page.getByRole('link', { name: 'Changer mon mot de passe' }).first().click();
    await page.getByLabel('Mot de passe actuel').fill('Pas-le-bon-2026');
    await page.getByLabel('Mot de passe', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirmation du nouveau mot de passe').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Changer mon mot de passe' }).click();
    await page.getByText('Le mot de passe actuel est incorrect.').first().waitFor();
    await journey.step('mot-de-passe-erreur');
    await page.getByLabel('Mot de passe actuel').fill(DEMO_PASSWORD);
    await page.getByLabel('Mot de passe', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirmation du nouveau mot de passe').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Changer mon mot de passe' }).click();
    await page.getByText('Votre mot de passe a été modifié.').waitFor();
    await journey.step('mot-de-passe-modifie');

    // Email: the link, then « Confirmer mon adresse électronique »
    await page.getByRole('link', { name: 'Adresse électronique' }).click();
    await page.getByLabel('Adresse électronique').fill(EMAIL);
    await page.getByRole('button', { name: 'Envoyer le lien de confirmation' }).click();
    await page.getByRole('button', { name: 'Renvoyer le mail' }).waitFor();
    await journey.step('courriel-envoye');
    const link = await outbox(EMAIL, /(http\S+\/courriel\/confirmer\/\S+)/);
    await page.goto(link);
    await journey.step('courriel-lien');
    await page.getByRole('button', { name: 'Confirmer mon adresse électronique' }).click();
    await page.getByRole('heading', { name: 'Adresse électronique confirmée' }).waitFor();
    await journey.step('courriel-confirme');
    await page.getByRole('link', { name: 'Aller à mon compte' }).click();
    await page.getByRole('heading', { name: 'Mon compte ÉduConnect' }).waitFor();
    await expect(main.textContent()).resolves.toContain(`${EMAIL} (confirmée)`);

    // Phone: the code sent to the new number
    await page.getByRole('link', { name: 'N° de téléphone portable' }).click();
    await page.getByLabel('Nouveau numéro de téléphone portable').fill('06 99 88 77 66');
    await page.getByRole('button', { name: 'Recevoir un code par SMS' }).click();
    await page.getByLabel('Code de sécurité').waitFor();
    await journey.step('telephone-code');
    await page.getByLabel('Code de sécurité').fill(await outbox('+33699887766', /\b(\d{6})\b/));
    await page.getByRole('button', { name: 'Valider le nouveau numéro' }).click();
    await page.getByText('Votre numéro de téléphone portable a été modifié.').waitFor();
    await expect(main.textContent()).resolves.toContain('+33699887766');

    await page.getByRole('link', { name: "Ajout d'élèves" }).first().click();
    await page.getByRole('heading', { name: "Ajout d'élèves" }).waitFor();
    await journey.step('ajout-eleves');

    // From the ENT: « Mon compte ÉduConnect » in its header, then « Services connectés »
    await page.goto(`${stack.ent.baseUrl}/`);
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
    await page.getByRole('button', { name: /Collège Jean Moulin/ }).click();
    await page.getByRole('link', { name: 'Mon compte ÉduConnect' }).click();
    await page.getByRole('heading', { name: 'Mon compte ÉduConnect' }).waitFor();
    await page.getByRole('link', { name: 'Services connectés' }).click();
    await page.getByRole('heading', { name: 'ENT de démonstration' }).waitFor();
    await journey.step('services-connectes');
    await page.getByRole('button', { name: "Retirer l'accès" }).click();
    await page.getByText("L'accès du service a été retiré.").waitFor();
    await expect(page.getByRole('button', { name: "Retirer l'accès" }).count()).resolves.toBe(0);
    await journey.step('acces-retire');

    // The portal is first-party: its « Se déconnecter » is enough, ÉduConnect asks nothing more.
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByText('Vous êtes déconnecté').first().waitFor();
    await journey.step('deconnecte');
  }, 120_000);
});
