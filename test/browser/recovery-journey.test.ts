import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Journey, launchChromium } from '../helpers/chromium.js';
import { type DemoStack, startDemoStack } from '../helpers/demo-stack.js';

const NEW_PASSWORD = 'Ardoise-Bleue-73';
/** The demo parent with an account (README): her mobile is the one the registry bound to it. */
const CLAIRE = {
  identifier: 'c.martin12',
  familyName: 'Martin',
  givenName: 'Claire',
  phone: '06 12 34 56 01',
  email: 'claire.martin@example.fr',
};
const EMAIL_PASSWORD = 'Craie-Verte-58';
const CLAIRE_E164 = '+33612345601';

let browser: Browser;
let stack: DemoStack;
const contexts: BrowserContext[] = [];

/** One IdP + ENT for the file: the identifier journey leaves nothing behind, the reset runs last. */
beforeAll(async () => {
  [browser, stack] = await Promise.all([launchChromium(), startDemoStack('pglite')]);
  // As if she had confirmed her address in « Mon compte ».
  await stack.idp.database.db
    .updateTable('accounts')
    .set({ email: CLAIRE.email, email_verified: true })
    .where('identifier', '=', CLAIRE.identifier)
    .execute();
}, 120_000);
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await stack?.stop();
  await browser?.close();
});

async function open(directory: string, width: number): Promise<Journey> {
  const context = await browser.newContext({ viewport: { width, height: 800 }, locale: 'fr-FR' });
  contexts.push(context);
  return new Journey(await context.newPage(), directory);
}

/** The newest SMS code sent to `to`, read from the development outbox. */
async function smsCode(to: string, notBefore: number): Promise<string> {
  let code: string | undefined;
  await expect
    .poll(async () => {
      const response = await fetch(`${stack.idp.baseUrl}/dev/outbox?to=${encodeURIComponent(to)}`);
      const [latest] = (await response.json()) as { body: string; createdAt: string }[];
      if (!latest || Date.parse(latest.createdAt) < notBefore) return undefined;
      code = /\b(\d{6})\b/.exec(latest.body)?.[1];
      return code;
    })
    .toBeTruthy();
  return code!;
}

/** The link of the newest email to `to`, read from the development outbox. */
async function emailLink(to: string, notBefore: number): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(async () => {
      const response = await fetch(`${stack.idp.baseUrl}/dev/outbox?to=${encodeURIComponent(to)}`);
      const [latest] = (await response.json()) as { body: string | null; createdAt: string }[];
      if (!latest || Date.parse(latest.createdAt) < notBefore) return undefined;
      link = /(https?:\/\/\S+\/lien\?\S+)/.exec(latest.body ?? '')?.[1];
      return link;
    })
    .toBeTruthy();
  return link!;
}

/** ENT -> « Je dispose d'un compte Educonnect » -> EduConnect's profile choice -> the login page of `profile`. */
async function loginPageFromEnt(journey: Journey, profile: 'Représentant légal' | 'Élève'): Promise<Page> {
  const { page } = journey;
  await page.goto(`${stack.ent.baseUrl}/`);
  await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
  await page.getByRole('heading', { name: 'Je sélectionne mon profil' }).waitFor();
  await page.getByRole('link', { name: profile, exact: true }).click();
  await page.getByRole('heading', { name: 'Je me connecte avec mon compte ÉduConnect' }).waitFor();
  return page;
}

// Each journey checks every page with axe: on a loaded 2-core machine that takes well over a minute.
describe('forgotten credentials in Chromium', () => {
  it('at 320 px, a pupil is told whom to ask; a parent gets her identifier by SMS, then a new password by an email link', async () => {
    const journey = await open('recovery-identifiant-320px', 320);
    const page = await loginPageFromEnt(journey, 'Élève');
    await page.getByRole('link', { name: 'Identifiant oublié ?' }).click();
    await page.getByRole('heading', { name: 'Identifiant oublié' }).waitFor();
    await expect(page.getByRole('main').textContent()).resolves.toContain('établissement');
    await journey.step('eleve-identifiant-oublie');
    await page.getByRole('link', { name: 'Revenir à la page de connexion' }).click();
    await page.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
    await page.getByRole('heading', { name: 'Mot de passe oublié' }).waitFor();
    await journey.step('eleve-mot-de-passe-oublie');

    await page.goBack();
    await page.getByRole('link', { name: 'Changer de profil' }).click();
    await page.getByRole('link', { name: 'Représentant légal', exact: true }).click();
    await page.getByLabel('Identifiant', { exact: true }).waitFor();
    await journey.step('connexion-parent');
    await page.getByRole('link', { name: 'Identifiant oublié ?' }).click();
    await page.getByRole('heading', { name: 'Je confirme mon identité' }).waitFor();
    await expect(page.getByLabel('N° de téléphone portable').inputValue()).resolves.toBe('+33 ');
    await journey.step('identifiant-oublie');
    // Nothing typed: the errors, tied to their fields.
    await page.getByLabel('N° de téléphone portable').fill('');
    await page.getByRole('button', { name: 'Suivant' }).click();
    await page.getByText('Saisissez votre nom.').first().waitFor();
    await journey.step('identifiant-oublie-erreurs');
    const sent = Date.now() - 1000;
    await page.getByLabel('Nom', { exact: true }).fill(CLAIRE.familyName);
    await page.getByLabel('Prénom', { exact: true }).fill(CLAIRE.givenName);
    await page.getByLabel('N° de téléphone portable').fill(CLAIRE.phone);
    await page.getByRole('button', { name: 'Suivant' }).click();
    await page.getByRole('heading', { name: 'Un code de sécurité a été envoyé' }).waitFor();
    await journey.step('identifiant-oublie-code');
    await page.getByLabel('Code de sécurité').fill(await smsCode(CLAIRE_E164, sent));
    await page.getByRole('button', { name: 'Suivant' }).click();
    await page.getByRole('heading', { name: 'Votre identifiant ÉduConnect' }).waitFor();
    await expect(page.locator('.identifier').textContent()).resolves.toBe(CLAIRE.identifier);
    await journey.step('identifiant-oublie-identifiant');
    await page.getByRole('link', { name: 'Je me connecte' }).click();
    await expect(page.getByLabel('Identifiant', { exact: true }).inputValue()).resolves.toBe(
      CLAIRE.identifier,
    );

    // Her password is lost too: a link by email, to the address she confirmed.
    await page.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
    await page
      .getByRole('link', { name: 'Je préfère recevoir un courriel (adresse électronique confirmée)' })
      .click();
    await page.getByLabel('Adresse électronique').waitFor();
    await journey.step('mot-de-passe-oublie-courriel');
    const mailed = Date.now() - 1000;
    await page.getByLabel('Identifiant', { exact: true }).fill(CLAIRE.identifier);
    await page.getByLabel('Adresse électronique').fill(CLAIRE.email);
    await page.getByRole('button', { name: 'Suivant' }).click();
    await page.getByRole('heading', { name: 'Un courriel a été envoyé' }).waitFor();
    await journey.step('mot-de-passe-oublie-courriel-envoye');
    await page.goto(await emailLink(CLAIRE.email, mailed));
    await page.getByRole('heading', { name: 'Je change mon mot de passe' }).waitFor();
    await page.getByLabel('Mot de passe', { exact: true }).fill(EMAIL_PASSWORD);
    await page.getByLabel('Confirmation du nouveau mot de passe').fill(EMAIL_PASSWORD);
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.getByRole('heading', { name: 'Votre mot de passe a été modifié' }).waitFor();
    await journey.step('mot-de-passe-modifie-par-courriel');
    await page.getByRole('link', { name: 'Je me connecte' }).click();
    await page.getByLabel('Mot de passe', { exact: true }).fill(EMAIL_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('heading', { name: 'Choisissez un établissement' }).waitFor();
  }, 180_000);

  it('at 1280 px, a parent resets her password by SMS and goes straight to the service', async () => {
    const journey = await open('recovery-mot-de-passe-1280', 1280);
    const page = await loginPageFromEnt(journey, 'Représentant légal');
    await journey.step('connexion-parent');
    await page.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
    await page.getByRole('heading', { name: 'Je saisis mon identifiant' }).waitFor();
    await journey.step('mot-de-passe-oublie');
    const sent = Date.now() - 1000;
    await page.getByLabel('Identifiant', { exact: true }).fill(CLAIRE.identifier);
    await page.getByLabel('N° de téléphone portable').fill(CLAIRE.phone);
    await page.getByRole('button', { name: 'Suivant' }).click();
    await page.getByRole('heading', { name: 'Un code de sécurité a été envoyé' }).waitFor();
    await journey.step('mot-de-passe-oublie-code');
    const code = await smsCode(CLAIRE_E164, sent);
    await page.getByLabel('Code de sécurité').fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Suivant' }).click();
    await page.getByText('Le code de sécurité est incorrect. Il vous reste 4 essais.').first().waitFor();
    await journey.step('mot-de-passe-oublie-code-errone');
    await page.getByLabel('Code de sécurité').fill(code);
    await page.getByRole('button', { name: 'Suivant' }).click();

    await page.getByRole('heading', { name: 'Je change mon mot de passe' }).waitFor();
    await page.getByLabel('Mot de passe', { exact: true }).fill('ardoise');
    // The rules are checked while typing, and the gauge shows.
    await expect
      .poll(() => page.locator('[data-rules-for="password"] li[data-state="ok"]').count())
      .toBeGreaterThan(0);
    await expect(
      page.locator('[data-rules-for="password"] li[data-state="ko"]').count(),
    ).resolves.toBeGreaterThan(0);
    await expect(page.locator('.password-strength').isVisible()).resolves.toBe(true);
    await journey.step('nouveau-mot-de-passe-saisie');
    await page.getByLabel('Confirmation du nouveau mot de passe').fill('autre chose');
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.getByText('Le mot de passe ne respecte pas toutes les règles indiquées.').first().waitFor();
    await journey.step('nouveau-mot-de-passe-erreur');
    await page.getByLabel('Mot de passe', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirmation du nouveau mot de passe').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Valider' }).click();

    await page.getByRole('heading', { name: 'Votre mot de passe a été modifié' }).waitFor();
    await journey.step('mot-de-passe-modifie');
    await page.getByRole('button', { name: 'Accéder à mes services' }).click();
    await page.getByRole('heading', { name: 'Choisissez un établissement' }).waitFor();
    expect(new URL(page.url()).origin).toBe(stack.ent.baseUrl);
  }, 180_000);
});
