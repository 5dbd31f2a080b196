import { sql } from 'kysely';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/demo/demo-data.js';
import { Journey, launchChromium } from '../helpers/chromium.js';
import { demoPupil } from '../helpers/demo-fixtures.js';
import { type DemoStack, startDemoStack, startTestEnt } from '../helpers/demo-stack.js';

const NEW_PASSWORD = 'Trousse-Bleue-42';

/** The demo registry's parent with no account yet and a child in each establishment (README). */
const DEMO_PARENT = {
  familyName: 'Durand',
  givenName: 'Sophie',
  phone: '06 12 34 56 78',
  e164: '+33612345678',
  children: [
    { name: 'Léo Durand', establishment: 'Collège Jean Moulin', birthdate: '2012-05-10' },
    { name: 'Léa Durand', establishment: 'Lycée Camille Guérin', birthdate: '2008-09-21' },
  ],
};

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

/** Each width gets its own IdP + ENT (the demo parent can be activated once per database). */
describe.each(VIEWPORTS)('demo ENT and EduConnect in Chromium at $name', (viewport) => {
  let stack: DemoStack;
  let pupil: Awaited<ReturnType<typeof demoPupil>>;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    stack = await startDemoStack('pglite');
    pupil = await demoPupil(stack.idp.database.db, 'l.martin45');
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** The newest SMS to `to`, read from the development outbox as a newcomer would. */
  async function smsCode(to: string): Promise<string> {
    let code: string | undefined;
    await expect
      .poll(async () => {
        const response = await fetch(`${stack.idp.baseUrl}/dev/outbox?to=${encodeURIComponent(to)}`);
        const messages = (await response.json()) as { to: string; body: string }[];
        code = messages.map((m) => /\b(\d{6})\b/.exec(m.body)?.[1]).find(Boolean);
        return code;
      })
      .toBeTruthy();
    return code!;
  }

  async function open(directory: string): Promise<Journey> {
    const context = await browser.newContext({
      viewport: { width: viewport.width, height: viewport.height },
      locale: 'fr-FR',
    });
    contexts.push(context);
    const page = await context.newPage();
    return new Journey(page, `${directory}-${viewport.name}`);
  }

  /** ENT login page -> « Je dispose d'un compte Educonnect » -> EduConnect's profile choice. */
  async function startAtEnt(journey: Journey): Promise<Page> {
    const { page } = journey;
    await page.goto(`${stack.ent.baseUrl}/`);
    await expect
      .poll(() =>
        page.getByRole('group', { name: "Vous voulez vous connecter à l'ENT en tant que :" }).count(),
      )
      .toBe(1);
    await journey.step('ent-connexion');
    await expect(
      page.getByRole('radio', { name: 'Elève ou parent avec EduConnect' }).isChecked(),
    ).resolves.toBe(true);
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
    await page.getByRole('heading', { name: 'Je sélectionne mon profil' }).waitFor();
    await journey.step('educonnect-profil');
    return page;
  }

  async function logIn(
    journey: Journey,
    profile: 'Représentant légal' | 'Élève',
    identifier: string,
    password: string,
  ) {
    const { page } = journey;
    await page.getByRole('link', { name: profile, exact: true }).click();
    await page.getByLabel('Identifiant').waitFor();
    await journey.step(`educonnect-connexion-${profile === 'Élève' ? 'eleve' : 'parent'}`);
    await page.getByLabel('Identifiant').fill(identifier);
    await page.getByLabel('Mot de passe', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
  }
  it('1. a parent with children in two establishments activates by SMS, picks the lycée, switches, logs out and back in', async () => {
    const journey = await open('1-activation-parent');
    const page = await startAtEnt(journey);
    await page.getByRole('link', { name: 'Représentant légal', exact: true }).click();
    await page.getByRole('link', { name: "Je n'ai pas de compte" }).click();

    await page.getByRole('heading', { name: 'Je confirme mon identité' }).waitFor();
    await journey.step('activation-identite');
    await page.getByLabel('Nom', { exact: true }).fill(DEMO_PARENT.familyName);
    await page.getByLabel('Prénom', { exact: true }).fill(DEMO_PARENT.givenName);
    await page.getByLabel('N° de téléphone portable').fill(DEMO_PARENT.phone);
    await page.getByRole('button', { name: 'Suivant' }).click();

    await page.getByRole('heading', { name: 'Un code de sécurité a été envoyé' }).waitFor();
    await journey.step('activation-code');
    await page.getByLabel('Code de sécurité').fill(await smsCode(DEMO_PARENT.e164));
    await page.getByRole('button', { name: 'Suivant' }).click();

    await page.getByRole('heading', { name: 'Je choisis mon nouveau mot de passe' }).waitFor();
    await journey.step('activation-mot-de-passe');
    await page.getByLabel('Mot de passe', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirmation du nouveau mot de passe').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Suivant' }).click();

    await page.getByRole('heading', { name: 'Je confirme mon lien avec les élèves' }).waitFor();
    await journey.step('activation-lien-eleves');
    for (const child of DEMO_PARENT.children) {
      const group = page.getByRole('group', { name: `${child.name} – ${child.establishment}`, exact: true });
      await group.getByLabel('Je suis le représentant légal de cet élève').check();
      const [year, month, day] = child.birthdate.split('-');
      await group.getByLabel('Jour').fill(day!);
      await group.getByLabel('Mois').fill(month!);
      await group.getByLabel('Année').fill(year!);
    }
    await page.getByRole('button', { name: 'Confirmer' }).click();

    await page.getByRole('heading', { name: 'Votre compte a été activé avec succès' }).waitFor();
    await journey.step('activation-reussie');
    const identifier = (await page.locator('.identifier').textContent())?.trim() ?? '';
    expect(identifier).toMatch(/^s\.durand\d+$/);
    await page.getByRole('button', { name: 'Accéder à mes services' }).click();

    // Back at the ENT, logged in: two establishments, so the chooser.
    await page.getByRole('heading', { name: 'Choisissez un établissement' }).waitFor();
    expect(new URL(page.url()).origin).toBe(stack.ent.baseUrl);
    await journey.step('ent-choix-etablissement');
    const lycee = DEMO_PARENT.children.find((c) => c.establishment.startsWith('Lycée'))!;
    const college = DEMO_PARENT.children.find((c) => c.establishment.startsWith('Collège'))!;
    await expect(
      page.getByRole('button', { name: new RegExp(lycee.establishment) }).textContent(),
    ).resolves.toContain(lycee.name);
    await page.getByRole('button', { name: new RegExp(lycee.establishment) }).click();

    await page.getByRole('heading', { level: 1, name: lycee.establishment }).waitFor();
    const children = page.getByRole('region', { name: 'Vos enfants dans cet établissement' });
    await expect(children.textContent()).resolves.toContain(lycee.name);
    await expect(children.textContent()).resolves.not.toContain(college.name);
    await expect(page.getByRole('main').textContent()).resolves.toContain('Représentant légal');
    await expect(
      page.getByRole('link', { name: 'Mon compte ÉduConnect' }).getAttribute('href'),
    ).resolves.toBe(`${stack.idp.baseUrl}/`);
    await journey.step('ent-lycee');

    await page.getByRole('link', { name: "Changer d'établissement" }).click();
    await page.getByRole('button', { name: new RegExp(college.establishment) }).click();
    await page.getByRole('heading', { level: 1, name: college.establishment }).waitFor();
    await expect(children.textContent()).resolves.toContain(college.name);
    await journey.step('ent-college');

    // The ENT is first-party: its « Se déconnecter » is enough, ÉduConnect asks nothing more.
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).waitFor();
    expect(new URL(page.url()).origin).toBe(stack.ent.baseUrl);

    // Next time: identifier and password, straight to the chooser (no activation, no "Ajout d'élèves").
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
    await page.getByRole('heading', { name: 'Je sélectionne mon profil' }).waitFor();
    await logIn(journey, 'Représentant légal', identifier, NEW_PASSWORD);
    await page.getByRole('heading', { name: 'Choisissez un établissement' }).waitFor();
    await journey.step('ent-choix-reconnexion');
    // the longest journey: 60 s were not enough on a loaded 2-core machine
  }, 150_000);

  it('2. a pupil logs in and lands on their establishment directly, then logs out', async () => {
    const journey = await open('2-eleve');
    const page = await startAtEnt(journey);
    await logIn(journey, 'Élève', 'l.martin45', DEMO_PASSWORD);
    await page.getByRole('heading', { level: 1, name: pupil.establishmentName }).waitFor();
    expect(new URL(page.url()).origin).toBe(stack.ent.baseUrl);
    const main = page.getByRole('main');
    await expect(main.textContent()).resolves.toContain(`${pupil.givenName} ${pupil.familyName}`);
    await expect(main.textContent()).resolves.toContain('Élève');
    await expect(page.getByRole('link', { name: "Changer d'établissement" }).count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'Mon compte ÉduConnect' }).count()).resolves.toBe(1);
    await journey.step('ent-etablissement-eleve');

    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).waitFor();
    expect(page.url().startsWith(`${stack.ent.baseUrl}/`)).toBe(true);
    await expect(page.getByRole('status').textContent()).resolves.toContain(
      'Vous êtes déconnecté de l’ENT et d’ÉduConnect.',
    );
    await journey.step('ent-deconnecte');
    // Logged out for real: the establishment page is closed.
    await page.goto(`${stack.ent.baseUrl}/etablissement`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.not.toBe(
      pupil.establishmentName,
    );
  });

  // The error journeys once, at desktop width.
  if (viewport.name !== 'desktop') return;

  it('3a. a wrong password gets one message, then the right password gets in', async () => {
    const journey = await open('3a-mot-de-passe');
    const page = await startAtEnt(journey);
    await logIn(journey, 'Élève', 'l.martin45', 'Pas-le-bon-1!');
    await page.getByText("L'identifiant ou le mot de passe est incorrect").first().waitFor();
    await journey.step('educonnect-erreur');
    await expect(page.getByLabel('Identifiant').inputValue()).resolves.toBe('l.martin45');
    await page.getByLabel('Mot de passe', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('heading', { level: 1, name: pupil.establishmentName }).waitFor();
    await journey.step('ent-etablissement');
  });

  it('3b. cancelling at the profile choice comes back to the ENT, which offers to start again', async () => {
    const journey = await open('3b-annulation');
    const page = await startAtEnt(journey);
    await page.getByRole('button', { name: 'Annuler et revenir au service' }).click();
    await page.getByRole('heading', { name: 'Connexion annulée' }).waitFor();
    expect(new URL(page.url()).origin).toBe(stack.ent.baseUrl);
    await journey.step('ent-annulation');
    await page.getByRole('link', { name: 'Se connecter à nouveau' }).click();
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
    await page.getByRole('heading', { name: 'Je sélectionne mon profil' }).waitFor();
  });

  it('3c. an expired interaction says so and leads back to the ENT', async () => {
    const journey = await open('3c-interaction-expiree');
    const page = await startAtEnt(journey);
    const uid = /\/interaction\/([^/?#]+)/.exec(page.url())?.[1];
    expect(uid).toBeTruthy();
    await sql`update oidc_payloads set expires_at = now() - interval '1 second'
              where kind = 'Interaction' and id = ${uid!}`.execute(stack.idp.database.db);
    await page.getByRole('link', { name: 'Élève', exact: true }).click();
    await page.getByRole('heading', { name: 'Votre session a expiré' }).waitFor();
    await journey.step('educonnect-session-expiree');
    await page.getByRole('link', { name: 'Retourner sur le service' }).click();
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).waitFor();
    expect(page.url()).toBe(`${stack.ent.baseUrl}/`);
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
    await logIn(journey, 'Élève', 'l.martin45', DEMO_PASSWORD);
    await page.getByRole('heading', { level: 1, name: pupil.establishmentName }).waitFor();
  });

  it('3d. the ENT explains a forged callback, an expired ENT session and an unreachable EduConnect', async () => {
    const journey = await open('3d-erreurs-ent');
    const page = await startAtEnt(journey);
    // A callback whose state is not the one this browser sent: refused, nothing logged in.
    await page.goto(`${stack.ent.baseUrl}/auth/callback?code=forged&state=not-the-state`);
    await page.getByRole('heading', { name: 'La connexion n’a pas abouti' }).waitFor();
    await journey.step('ent-state-invalide');
    await page.getByRole('link', { name: 'Se connecter à nouveau' }).click();
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
    await logIn(journey, 'Élève', 'l.martin45', DEMO_PASSWORD);
    await page.getByRole('heading', { level: 1, name: pupil.establishmentName }).waitFor();

    // 31 minutes without activity: the ENT session is over.
    stack.ent.advanceClock(31 * 60 * 1000);
    await page.reload();
    await page.getByRole('heading', { name: 'Votre session a expiré' }).waitFor();
    await journey.step('ent-session-expiree');
    await page.getByRole('link', { name: 'Se connecter à nouveau' }).click();
    await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).waitFor();

    // An ENT whose EduConnect does not answer.
    const orphan = await startTestEnt(stack.idp, { issuer: 'http://127.0.0.1:9' });
    try {
      await page.goto(`${orphan.baseUrl}/`);
      await page.getByRole('button', { name: "Je dispose d'un compte Educonnect" }).click();
      await page.getByRole('heading', { name: 'Service de connexion indisponible' }).waitFor();
      await journey.step('ent-idp-indisponible');
      await expect(page.getByRole('link', { name: 'Réessayer' }).getAttribute('href')).resolves.toBe('/');
    } finally {
      await orphan.stop();
    }
  });

  it('back-channel logout from EduConnect ends the ENT session', async () => {
    const journey = await open('bc-logout');
    const page = await startAtEnt(journey);
    await logIn(journey, 'Élève', 'l.martin45', DEMO_PASSWORD);
    await page.getByRole('heading', { level: 1, name: pupil.establishmentName }).waitFor();
    const sessionId = (await page.context().cookies(stack.ent.baseUrl)).find(
      (c) => c.name === 'ent_session',
    )?.value;
    expect(stack.ent.ent.sessions.find(sessionId)?.user).toBeDefined();
    // Logging out at EduConnect itself (another service's logout, or the IdP's own page).
    await page.goto(`${stack.idp.baseUrl}/session/end`);
    await page.getByRole('button', { name: 'Se déconnecter', exact: true }).click();
    await page.getByRole('heading', { name: 'Vous êtes déconnecté' }).waitFor();
    await expect.poll(() => stack.ent.ent.sessions.find(sessionId)).toBeUndefined();
    await page.goto(`${stack.ent.baseUrl}/etablissement`);
    await page.getByRole('heading', { name: 'Votre session a expiré' }).waitFor();
  });
});
