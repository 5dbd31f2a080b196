import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journey, launchChromium } from '../helpers/chromium.js';
import type { DemoStack } from '../helpers/demo-stack.js';
import { startDemoStackWithFranceConnect, type TestFranceConnect } from '../helpers/franceconnect.js';

/** The demo registry's parent without an account, with a child in each establishment (README). */
const SOPHIE = {
  fcLabel: /^Sophie DURAND/,
  welcome: 'Sophie DURAND',
  phone: '06 12 34 56 78',
  e164: '+33612345678',
  children: [
    { name: 'Léo Durand', establishment: 'Collège Jean Moulin', birthdate: '2012-05-10' },
    { name: 'Léa Durand', establishment: 'Lycée Camille Guérin', birthdate: '2008-09-21' },
  ],
};

let browser: Browser;
let stack: DemoStack & { fc: TestFranceConnect };
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [browser, stack] = await Promise.all([launchChromium(), startDemoStackWithFranceConnect('pglite')]);
}, 60_000);
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await stack?.stop();
});

async function open(name: string, width: number, height: number): Promise<Journey> {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'fr-FR' });
  contexts.push(context);
  return new Journey(await context.newPage(), name);
}

async function smsCode(to: string): Promise<string> {
  let code: string | undefined;
  await expect
    .poll(async () => {
      const response = await fetch(`${stack.idp.baseUrl}/dev/outbox?to=${encodeURIComponent(to)}`);
      const messages = (await response.json()) as { body: string }[];
      code = messages.map((m) => /\b(\d{6})\b/.exec(m.body)?.[1]).find(Boolean);
      return code;
    })
    .toBeTruthy();
  return code!;
}

/** The demo ENT -> « Je dispose d'un compte Educonnect » -> « Représentant légal » -> « S'identifier avec FranceConnect ». */
async function toFranceConnect(journey: Journey, check: boolean): Promise<Page> {
  const { page } = journey;
  await page.goto(`${stack.ent.baseUrl}/`);
  await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
  await page.getByRole('link', { name: 'Représentant légal', exact: true }).click();
  await page.getByRole('button', { name: "S'identifier avec FranceConnect" }).waitFor();
  if (check) {
    await journey.step('connexion-parent-franceconnect');
    const link = page.getByRole('link', { name: "Qu'est-ce que FranceConnect ?" });
    await expect(link.getAttribute('target')).resolves.toBe('_blank');
    await expect(link.getAttribute('title')).resolves.toMatch(/- nouvelle fenêtre$/);
    await expect(page.getByText('ou', { exact: true }).isVisible()).resolves.toBe(true);
  }
  await page.getByRole('button', { name: "S'identifier avec FranceConnect" }).click();
  return page;
}

describe('FranceConnect in Chromium', () => {
  it('first login with phone, SMS code and birth dates reaches the ENT chooser; logout ends both sessions; then straight through', async () => {
    const journey = await open('franceconnect-1280', 1280, 900);
    const page = await toFranceConnect(journey, true);

    await page.getByRole('heading', { name: /Je choisis un compte pour me connecter sur/ }).waitFor();
    await journey.step('fc-choix');
    await page.getByLabel(SOPHIE.fcLabel).check();
    await page.getByLabel('Se souvenir de mon choix').check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('heading', { name: `Bienvenue ${SOPHIE.welcome}` }).waitFor();
    await page.getByText('Voir le détail des données').click();
    await journey.step('fc-bienvenue');
    await page.getByRole('button', { name: 'Continuer sur Education nationale' }).click();

    await page.getByRole('heading', { name: 'Je renseigne mon n° de téléphone portable' }).waitFor();
    await journey.step('fc-telephone');
    await page.getByLabel('N° de téléphone portable').fill(SOPHIE.phone);
    await page.getByRole('button', { name: 'Recevoir mon code SMS' }).click();
    await page.getByRole('heading', { name: 'Un code de sécurité a été envoyé' }).waitFor();
    await journey.step('fc-code');
    await page.getByLabel('Code de sécurité').fill(await smsCode(SOPHIE.e164));
    await page.getByRole('button', { name: 'Suivant' }).click();

    await page.getByRole('heading', { name: 'Je confirme mon lien avec les élèves' }).waitFor();
    await journey.step('fc-eleves');
    for (const child of SOPHIE.children) {
      const group = page.getByRole('group', { name: `${child.name} – ${child.establishment}`, exact: true });
      await group.getByLabel('Je suis le représentant légal de cet élève').check();
      const [year, month, day] = child.birthdate.split('-');
      await group.getByLabel('Jour').fill(day!);
      await group.getByLabel('Mois').fill(month!);
      await group.getByLabel('Année').fill(year!);
    }
    await page.getByRole('button', { name: 'Confirmer' }).click();

    await page.getByRole('heading', { name: 'Choisissez un établissement' }).waitFor();
    expect(new URL(page.url()).origin).toBe(stack.ent.baseUrl);
    await journey.step('ent-choix-etablissement');

    // Logout: ours, then FranceConnect's (its page posts itself), then back to the ENT.
    // The ENT is first-party: its « Se déconnecter » is enough, ÉduConnect asks nothing more.
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).waitFor();
    expect(new URL(page.url()).origin).toBe(stack.ent.baseUrl);
    const fcCookies = await page.context().cookies(stack.fc.baseUrl);
    expect(fcCookies.some((c) => c.name === 'fc_session')).toBe(false);

    // Again: FranceConnect remembers the choice (« Bienvenue »), and we know the person: the chooser.
    await toFranceConnect(journey, false);
    await page.getByRole('heading', { name: `Bienvenue ${SOPHIE.welcome}` }).waitFor();
    await page.getByRole('button', { name: 'Continuer sur Education nationale' }).click();
    await page.getByRole('heading', { name: 'Choisissez un établissement' }).waitFor();
    await journey.step('ent-choix-reconnexion');
  });

  it('at 320 px: the login page, FranceConnect and the phone page read and pass axe', async () => {
    const journey = await open('franceconnect-320', 320, 640);
    const page = await toFranceConnect(journey, true);
    await page.getByRole('heading', { name: /Je choisis un compte pour me connecter sur/ }).waitFor();
    await journey.step('fc-choix');
    await page.getByLabel(/^Antoine BERNARD/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('button', { name: 'Continuer sur Education nationale' }).click();
    await page.getByRole('heading', { name: 'Je renseigne mon n° de téléphone portable' }).waitFor();
    await page.getByLabel('N° de téléphone portable').fill('pas un numéro');
    await page.getByRole('button', { name: 'Recevoir mon code SMS' }).click();
    await page.getByText('Saisissez un numéro de téléphone valide').first().waitFor();
    await journey.step('fc-telephone-erreur');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    expect(overflow).toBe(false);
  });
});
