import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedStaff } from '../../src/domain/school/staff.js';
import { Journey, launchChromium } from '../helpers/chromium.js';
import { type DemoStack, startDemoStack } from '../helpers/demo-stack.js';
import { createTestStaff, pdfText, totpCode } from '../helpers/school.js';

const NEW_PASSWORD = 'Classeur-Vert-42';
const COLLEGE = { uai: '0861234A', name: 'Collège Jean Moulin' };

const VIEWPORTS = [
  // 1280: a class's notifications as a PDF; Léo Durand (5EME, born 10/05/2012) signs in with his.
  {
    name: 'desktop',
    width: 1280,
    height: 900,
    level: '5EME',
    format: 'pdf',
    pupil: 'Léo Durand',
    birth: ['10', '05', '2012'],
  },
  // 320: the print-ready page; Chloé Lefèvre (6EME, born 21/01/2013).
  {
    name: '320px',
    width: 320,
    height: 640,
    level: '6EME',
    format: 'html',
    pupil: 'Chloé Lefèvre',
    birth: ['21', '01', '2013'],
  },
] as const;

let browser: Browser;
let stack: DemoStack;
beforeAll(async () => {
  browser = await launchChromium();
  stack = await startDemoStack('pglite');
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await browser?.close();
});

describe.each(VIEWPORTS)('school console in Chromium at $name', (viewport) => {
  const contexts: BrowserContext[] = [];
  let staff: CreatedStaff;

  beforeAll(async () => {
    // One staff member per width: a TOTP code is accepted once.
    staff = await createTestStaff(stack.idp, `secretariat.${viewport.name}`, [COLLEGE.uai]);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  async function open(directory: string): Promise<Journey> {
    const context = await browser.newContext({
      viewport: { width: viewport.width, height: viewport.height },
      locale: 'fr-FR',
      acceptDownloads: true,
    });
    contexts.push(context);
    return new Journey(await context.newPage(), `${directory}-${viewport.name}`);
  }

  async function signIn(journey: Journey): Promise<Page> {
    const { page } = journey;
    await page.goto(`${stack.idp.baseUrl}/etablissement`);
    await page.getByRole('heading', { name: "Connexion à la console de l'établissement" }).waitFor();
    await journey.step('console-connexion');
    await page.getByLabel('Identifiant').fill(staff.identifier);
    await page.getByLabel('Mot de passe', { exact: true }).fill(staff.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('heading', { name: 'Code de vérification' }).waitFor();
    await journey.step('console-code');
    await page.getByLabel('Code de vérification').fill(await totpCode(staff));
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.getByRole('heading', { level: 1, name: 'Élèves' }).waitFor();
    await journey.step('console-eleves');
    return page;
  }

  it('issues a class’s notifications and passes axe on every console page; at 1280 px a pupil, then a parent without a mobile, reach the ENT', async () => {
    const journey = await open('console-notifications');
    const page = await signIn(journey);
    await page.getByLabel('Niveau').selectOption(viewport.level);
    await page.getByRole('button', { name: 'Afficher' }).click();
    await page.getByRole('heading', { name: `Niveau ${viewport.level}` }).waitFor();

    let sheet: string;
    if (viewport.format === 'pdf') {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: `PDF du niveau ${viewport.level}` }).click(),
      ]);
      const { text } = await pdfText(new Uint8Array(await readFile((await download.path())!)));
      sheet = text.replace(/\s+/g, ' ');
    } else {
      await page.getByRole('button', { name: `Page à imprimer du niveau ${viewport.level}` }).click();
      await page.getByRole('heading', { name: 'Notifications à imprimer' }).waitFor();
      await journey.step('console-impression');
      sheet = (await page.locator('main strong, main dt, main dd').allTextContents()).join(' ');
    }
    const own = sheet.slice(sheet.indexOf(viewport.pupil));
    const identifier = /Identifiant(?: :)? (\S+)/.exec(own)![1]!;
    const password = /Mot de passe provisoire(?: :)? (\S+)/.exec(own)![1]!;

    // The pupil, at home, from the ENT (at one width: the pages are checked at both below and in ent-journey).
    if (viewport.name === 'desktop') {
      await firstLogin(identifier, password);
      await parentFirstLogin(page);
    }

    // Back in the console: the pupil's account state, the statistics and the other sections.
    await page.goto(`${stack.idp.baseUrl}/etablissement/${COLLEGE.uai}/eleves?niveau=${viewport.level}`);
    const row = page.getByRole('row', { name: new RegExp(viewport.pupil) });
    await expect(row.textContent()).resolves.toContain(
      viewport.name === 'desktop' ? 'Compte activé' : 'Notification éditée',
    );
    await page.getByRole('link', { name: 'Statistiques' }).click();
    await page.getByRole('heading', { level: 1, name: 'Statistiques' }).waitFor();
    await page.getByRole('img', { name: /Activations par semaine/ }).waitFor();
    await journey.step('console-statistiques');
    for (const section of ['Représentants', 'Signalements', 'Changements de numéro'] as const) {
      await page.getByRole('link', { name: section, exact: true }).click();
      await page.locator('a[aria-current="page"]', { hasText: section }).waitFor();
      await journey.step(
        `console-${section
          .normalize('NFD')
          .replace(/[^a-zA-Z]/g, '')
          .toLowerCase()}`,
      );
    }
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { name: "Connexion à la console de l'établissement" }).waitFor();
    // Three people's journeys with an axe check at every step: minutes on a loaded 2-core machine.
  }, 240_000);

  /** Sophie Durand (no account yet): her notification, children, email confirmed, then the ENT. */
  async function parentFirstLogin(console: Page) {
    await console.getByRole('link', { name: 'Représentants', exact: true }).click();
    await console.getByLabel('Rechercher un nom').fill('Sophie');
    await console.getByRole('button', { name: 'Afficher' }).click();
    await console.getByRole('button', { name: 'Notification à imprimer de Sophie Durand' }).click();
    await console.getByRole('heading', { name: 'Notifications à imprimer' }).waitFor();
    const sheet = (await console.locator('main strong, main dt, main dd').allTextContents()).join(' ');
    const identifier = /Identifiant (\S+)/.exec(sheet)![1]!;
    const password = /Mot de passe provisoire (\S+)/.exec(sheet)![1]!;

    const journey = await open('parent-premiere-connexion');
    const parent = journey.page;
    await parent.goto(`${stack.ent.baseUrl}/`);
    await parent.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
    await parent.getByRole('link', { name: 'Représentant légal', exact: true }).click();
    await parent.getByLabel('Identifiant').fill(identifier);
    await parent.getByLabel('Mot de passe', { exact: true }).fill(password);
    await parent.getByRole('button', { name: 'Se connecter' }).click();
    await parent.getByLabel('Confirmation du nouveau mot de passe').waitFor();
    await parent.getByLabel('Mot de passe', { exact: true }).fill(NEW_PASSWORD);
    await parent.getByLabel('Confirmation du nouveau mot de passe').fill(NEW_PASSWORD);
    await parent.getByRole('button', { name: 'Suivant' }).click();
    await parent.getByRole('heading', { name: "Ajout d'élèves" }).waitFor();
    await parent.getByLabel('Je suis le représentant légal de cet élève').check();
    await parent.getByLabel('Jour').fill('10');
    await parent.getByLabel('Mois').fill('05');
    await parent.getByLabel('Année').fill('2012');
    await parent.getByRole('button', { name: 'Confirmer' }).click();
    await parent.getByLabel('Adresse électronique').fill('sophie.durand@exemple.fr');
    await journey.step('parent-courriel');
    await parent.getByRole('button', { name: 'Recevoir le lien de confirmation' }).click();
    await parent.getByRole('heading', { name: 'Confirmez votre adresse électronique' }).waitFor();
    await journey.step('parent-confirmez');
    const gate = parent.url();
    // Not confirmed yet: « Continuer » stays on the gate, the ENT receives nothing.
    await parent.getByRole('button', { name: 'Continuer' }).click();
    await parent.getByRole('heading', { name: 'Confirmez votre adresse électronique' }).waitFor();

    let link: string | undefined;
    await expect
      .poll(async () => {
        const to = encodeURIComponent('sophie.durand@exemple.fr');
        const messages = (await (await fetch(`${stack.idp.baseUrl}/dev/outbox?to=${to}`)).json()) as {
          body: string;
        }[];
        link = /(http:\/\/\S+\/courriel\/confirmer\/[A-Za-z0-9_-]+)/.exec(messages[0]?.body ?? '')?.[1];
        return link;
      })
      .toBeTruthy();
    await parent.goto(link!);
    await parent.getByRole('button', { name: 'Confirmer mon adresse électronique' }).click();
    await parent.goto(gate);
    await parent.getByRole('heading', { level: 1, name: COLLEGE.name }).waitFor();
    await expect(parent.locator('main').textContent()).resolves.toContain('Léo');
  }

  async function firstLogin(identifier: string, password: string) {
    const pupil = (await open('eleve-premiere-connexion')).page;
    await pupil.goto(`${stack.ent.baseUrl}/`);
    await pupil.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
    await pupil.getByRole('link', { name: 'Élève', exact: true }).click();
    await pupil.getByLabel('Identifiant').fill(identifier);
    await pupil.getByLabel('Mot de passe', { exact: true }).fill(password);
    await pupil.getByRole('button', { name: 'Se connecter' }).click();
    await pupil.getByRole('heading', { name: 'Je choisis mon nouveau mot de passe' }).waitFor();
    await pupil.getByLabel('Mot de passe', { exact: true }).fill(NEW_PASSWORD);
    await pupil.getByLabel('Confirmation du nouveau mot de passe').fill(NEW_PASSWORD);
    await pupil.getByRole('button', { name: 'Suivant' }).click();
    const birth = new Journey(pupil, `eleve-naissance-${viewport.name}`);
    await pupil.getByRole('group', { name: 'Né(e) le' }).waitFor();
    await birth.step('eleve-naissance');
    await pupil.getByLabel('Jour').fill(viewport.birth[0]);
    await pupil.getByLabel('Mois').fill(viewport.birth[1]);
    await pupil.getByLabel('Année').fill(viewport.birth[2]);
    await pupil.getByRole('button', { name: 'Valider' }).click();
    await pupil.getByRole('heading', { level: 1, name: COLLEGE.name }).waitFor();
    await expect(pupil.locator('main').textContent()).resolves.toContain(viewport.pupil);
  }
});
