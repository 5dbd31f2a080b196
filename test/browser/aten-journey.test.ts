import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AtenDirectory, createAtenDirectoryApp } from '../../src/demo/aten/app.js';
import { DEMO_ATEN_PASSWORD } from '../../src/demo/aten/seed.js';
import { Journey, launchChromium } from '../helpers/chromium.js';
import { type DemoStack, startDemoStack } from '../helpers/demo-stack.js';

const NEW_PASSWORD = 'Trousse-Rouge-42';

/**
 * Seed 001 click for click from the demo ENT, on the demo ATEN directory and demo registry (README):
 * Sophie Durand's ATEN account names Léo; Léa comes through « Ajout d'élèves ». One IdP for both
 * widths: the parent at 1280 px, then at 320 px the pupil Manon Bernard and Sophie's second attempt.
 */
let browser: Browser;
let stack: DemoStack;
let directory: AtenDirectory;
let directoryServer: Server;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  let handler: ((req: never, res: never) => void) | undefined;
  directoryServer = createServer((req, res) =>
    handler ? handler(req as never, res as never) : res.writeHead(503).end(),
  );
  await new Promise<void>((resolve) => directoryServer.listen(0, '127.0.0.1', resolve));
  const directoryUrl = `http://127.0.0.1:${(directoryServer.address() as AddressInfo).port}`;
  [browser, stack] = await Promise.all([
    launchChromium(),
    startDemoStack('pglite', { ATEN_CAS_URL: directoryUrl }),
  ]);
  directory = createAtenDirectoryApp({
    db: stack.idp.database.db,
    hasher: stack.idp.idp.services.hasher,
    logger: pino({ level: 'silent' }),
    servicePrefixes: [`${stack.idp.baseUrl}/interaction/`],
    csrfSecret: Buffer.alloc(32, 9),
  });
  handler = directory.app.callback() as never;
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await browser?.close();
  directory?.close();
  directoryServer?.closeAllConnections();
  await new Promise((resolve) => directoryServer?.close(resolve));
  await stack?.stop();
});

async function open(name: string, width: number): Promise<Journey> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'fr-FR' });
  contexts.push(context);
  return new Journey(await context.newPage(), name);
}

/** « Je n'ai pas de compte Educonnect » on the ENT, then the ATEN login and « VALIDER ». */
async function atenLogin(journey: Journey, login: string) {
  const { page } = journey;
  await page.goto(`${stack.ent.baseUrl}/`);
  await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).waitFor();
  await journey.step('ent-connexion');
  await page.getByRole('button', { name: "Je n'ai pas de compte Educonnect" }).click();
  await page.getByRole('heading', { name: 'Connexion avec votre compte ATEN' }).waitFor();
  await journey.step('aten-connexion');
  await page.getByLabel('Identifiant ATEN').fill(login);
  await page.getByLabel('Mot de passe ATEN').fill(DEMO_ATEN_PASSWORD);
  await page.getByRole('button', { name: 'VALIDER' }).click();
}

/** « Choisir mon mot de passe » -> « Notez votre identifiant », the password twice -> « Votre compte est créé ». */
async function choosePassword(journey: Journey): Promise<string> {
  const { page } = journey;
  await page.getByRole('link', { name: 'Choisir mon mot de passe' }).click();
  await page.getByRole('heading', { name: 'Je choisis mon mot de passe' }).waitFor();
  await expect(page.getByRole('heading', { name: 'Notez votre identifiant' }).count()).resolves.toBe(1);
  const identifier = (await page.locator('.identifier').textContent())?.trim() ?? '';
  await page.getByLabel('Mot de passe', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('Confirmation du nouveau mot de passe').fill(NEW_PASSWORD);
  await journey.step('aten-mot-de-passe');
  await page.getByRole('button', { name: 'Confirmer' }).click();
  await page.getByRole('heading', { name: 'Votre compte est créé' }).waitFor();
  await expect(page.locator('.identifier').textContent()).resolves.toBe(identifier);
  await journey.step('aten-compte-cree');
  await page.getByRole('button', { name: 'Accéder à mes services' }).click();
  return identifier;
}

describe('ATEN transition from the demo ENT in Chromium', () => {
  it('at 1280 px: an ATEN parent creates the account, binds the other child, picks an establishment, logs in again', async () => {
    const journey = await open('aten-1-parent-desktop', 1280);
    const { page } = journey;
    await atenLogin(journey, 'sophie.durand');
    await page.getByRole('heading', { name: 'Bienvenue Sophie Durand' }).waitFor();
    await journey.step('aten-bienvenue');
    const identifier = await choosePassword(journey);
    expect(identifier).toMatch(/^s\.durand\d+$/);

    // Léo came from the ATEN account; Léa is in the registry under the same parent: « Ajout d'élèves ».
    await page.getByRole('heading', { name: "Ajout d'élèves" }).waitFor();
    await journey.step('ajout-eleves');
    const lea = page.getByRole('group', { name: 'Léa Durand – Lycée Camille Guérin', exact: true });
    await lea.getByLabel('Je suis le représentant légal de cet élève').check();
    await lea.getByLabel('Jour').fill('21');
    await lea.getByLabel('Mois').fill('09');
    await lea.getByLabel('Année').fill('2008');
    await page.getByRole('button', { name: 'Confirmer' }).click();

    await page.getByRole('heading', { name: 'Choisissez un établissement' }).waitFor();
    expect(new URL(page.url()).origin).toBe(stack.ent.baseUrl);
    await journey.step('ent-choix-etablissement');
    await page.getByRole('button', { name: /Lycée Camille Guérin/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Lycée Camille Guérin' }).waitFor();

    // « Utilisation du compte Educonnect »: the new identifier, never the ATEN one.
    // The ENT is first-party: its « Se déconnecter » is enough, ÉduConnect asks nothing more.
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
    await page.getByRole('link', { name: 'Représentant légal', exact: true }).click();
    await page.getByLabel('Identifiant').fill(identifier);
    await page.getByLabel('Mot de passe', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('heading', { name: 'Choisissez un établissement' }).waitFor();
    await journey.step('ent-reconnexion');
  });

  it('at 320 px: an ATEN pupil lands on their collège, and a second attempt of the parent points to the existing identifier', async () => {
    const journey = await open('aten-2-eleve-320px', 320);
    const { page } = journey;
    await atenLogin(journey, 'manon.bernard');
    await page.getByRole('heading', { name: 'Bienvenue Manon Bernard' }).waitFor();
    await journey.step('aten-bienvenue');
    expect(await choosePassword(journey)).toMatch(/^m\.bernard\d+$/);
    await page.getByRole('heading', { level: 1, name: 'Collège Jean Moulin' }).waitFor();
    await expect(page.getByRole('main').textContent()).resolves.toContain('Manon Bernard');
    await journey.step('ent-college');

    const again = await open('aten-3-deuxieme-fois-320px', 320);
    await atenLogin(again, 'sophie.durand');
    await again.page.getByRole('heading', { name: 'Vous avez déjà un compte ÉduConnect' }).waitFor();
    await expect(again.page.getByRole('main').textContent()).resolves.toContain('Identifiant oublié');
    await again.step('aten-deja-un-compte');
    await again.page.getByRole('link', { name: 'Je me connecte avec mon compte ÉduConnect' }).click();
    await again.page.getByLabel('Identifiant').waitFor();
  });
});
