import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/demo/demo-data.js';
import { parseRegistryCsv, REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { importRegistry } from '../../src/domain/registry/import.js';
import { HttpBrowser, type Page, textOf } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type DemoStack, startDemoStack } from '../helpers/demo-stack.js';
import { isCallback, loginWithPassword, TestRelyingParty } from '../helpers/relying-party.js';

const PASSWORD = 'Trousse,Verte42';
// An école (levels CE1), a collège and a lycée none of which has a town in the registry.
const REGISTRY = [
  REGISTRY_COLUMNS.join(';'),
  '0861111B;École élémentaire Jules Ferry;SF-E1;Garcia;Nina;03/03/2017;CE1;SF-R1;Garcia;Rosa;06 44 33 22 11;',
  '0862222C;Collège Victor Hugo;SF-E2;Garcia;Hugo;04/04/2012;5EME;SF-R2;Garcia;Rosa;06 44 33 22 11;',
  '0863333D;Lycée Jean Monnet;SF-E3;Garcia;Inès;05/05/2008;1ERE;SF-R3;Garcia;Rosa;06 44 33 22 11;',
  '0863333D;Lycée Jean Monnet;SF-E4;Blanc;Théo;06/06/2009;2NDE;SF-R4;Blanc;Marc;06 44 33 22 12;',
].join('\n');

describe.each(DATABASE_KINDS)('what the seeds show, on %s', (kind) => {
  let stack: DemoStack;

  beforeAll(async () => {
    stack = await startDemoStack(kind);
    const parsed = parseRegistryCsv(REGISTRY);
    expect(parsed.errors).toEqual([]);
    await importRegistry(stack.idp.database.db, parsed.lines);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const idpUrl = (path: string) => new URL(path, stack.idp.baseUrl).toString();
  const uidOf = (page: Page) => /\/interaction\/([^/?#]+)/.exec(page.url)![1]!;

  async function latestCode(to: string): Promise<string> {
    const response = await fetch(idpUrl(`/dev/outbox?to=${encodeURIComponent(to)}`));
    const [message] = (await response.json()) as { body: string }[];
    return /\b([0-9]{6})\b/.exec(message?.body ?? '')![1]!;
  }

  /** From the ENT's « Valider » to the activation's first page, as a parent does. */
  async function openActivation(browser: HttpBrowser) {
    const home = await browser.get(`${stack.ent.baseUrl}/`);
    const choice = await browser.submit(home, '/auth/login');
    return browser.get(idpUrl(`/interaction/${uidOf(choice)}/activation`));
  }

  async function codeState(mobile: string) {
    return stack.idp.database.db
      .selectFrom('registry_flows')
      .select(['code_attempts', 'state'])
      .where('mobile', '=', mobile)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
  }

  it('identity step: the seeds’ headings and sentence, +33 typed in, and a country code alone is no number', async () => {
    const browser = new HttpBrowser();
    const identity = await openActivation(browser);
    const text = textOf(identity.html);
    expect(identity.html).toMatch(/<h1>L(&#x27;|')activation est réservée aux représentants légaux<\/h1>/);
    expect(identity.html).toContain('<h2>Je confirme mon identité</h2>');
    expect(identity.html).toContain('<h2>Je renseigne mon n° de téléphone portable</h2>');
    expect(text).toContain(
      "Indiquez le numéro de téléphone portable communiqué à l'école ou à l'établissement scolaire. Il est indispensable pour activer votre compte.",
    );
    expect(text).toContain('Exemple : +33 6 12 34 56 78');
    expect(identity.html).toMatch(/id="telephone"[^>]*value="\+33 "/);
    const empty = await browser.submit(identity, '/activation/identite', { nom: 'Blanc', prenom: 'Marc' });
    expect(empty.status).toBe(400);
    expect(textOf(empty.html)).toContain('Saisissez votre numéro de téléphone portable.');
    expect(empty.html).toMatch(/id="nom"[^>]*value="Blanc"/);

    // Post/redirect/get: the POST answers with a redirect to the page, which shows the errors once, so
    // that Back or reload never resends the form.
    const isIdentityPage = (url: string) => url === identity.url;
    const redirected = await browser.submit(identity, '/activation/identite', { nom: '' }, isIdentityPage);
    expect(redirected.status).toBe(0); // stopped at the redirect to the identity page
    expect(redirected.url).toBe(identity.url);
    const shown = await browser.get(identity.url);
    expect(shown.status).toBe(400);
    expect(textOf(shown.html)).toContain('Saisissez votre nom.');
    const reloaded = await browser.get(identity.url);
    expect(reloaded.status).toBe(200);
    expect(textOf(reloaded.html)).not.toContain('Saisissez votre nom.');
  });

  it('code step: a pasted « 585 265 » works, a malformed code costs no try, « Précédent » keeps what was typed', async () => {
    const browser = new HttpBrowser();
    const identity = await openActivation(browser);
    const codePage = await browser.submit(identity, '/activation/identite', {
      nom: 'Blanc',
      prenom: 'Marc',
      telephone: '+33 06 44 33 22 12',
    });
    expect(textOf(codePage.html)).toContain('Un code de sécurité a été envoyé');
    expect(codePage.html).not.toMatch(/id="code"[^>]*maxlength="6"/i);

    for (const typo of ['12345', '1234567', '12a456']) {
      const malformed = await browser.submit(codePage, '/activation/code', { code: typo });
      expect(malformed.status, typo).toBe(400);
      expect(textOf(malformed.html)).toContain('Le code de sécurité comporte 6 chiffres.');
    }
    expect(await codeState('+33644332212')).toMatchObject({ code_attempts: 0, state: 'code_sent' });

    // « Précédent » from the code page: the identity form with what was typed.
    const back = await browser.get(idpUrl(`/interaction/${uidOf(codePage)}/activation`));
    expect(back.html).toMatch(/id="nom"[^>]*value="Blanc"/);
    expect(back.html).toMatch(/id="prenom"[^>]*value="Marc"/);
    expect(back.html).toMatch(/id="telephone"[^>]*value="\+33 6 44 33 22 12"/);

    const code = await latestCode('+33644332212');
    const passwordPage = await browser.submit(codePage, '/activation/code', {
      code: ` ${code.slice(0, 3)} ${code.slice(3)} `,
    });
    expect(passwordPage.url).toContain('/activation/mot-de-passe');
    // Password step: « Précédent » and the advice in a new window.
    expect(passwordPage.html).toMatch(/<form method="get" action="[^"]+\/activation" id="activation-retour"/);
    expect(textOf(passwordPage.html)).toContain('Précédent');
    expect(passwordPage.html).toMatch(
      /<a href="\/aide\/mot-de-passe" target="_blank" rel="noopener" title="Aide à la création de mot de passe sécurisé - nouvelle fenêtre">/,
    );
    expect(textOf(passwordPage.html)).toContain(
      'Doit contenir 1 caractère spécial parmi ! ? @ # $ ( ) { } [ ] _ . , ; & = + - % * < > £ µ / :',
    );
    // The comma counts as the special character.
    const pupils = await browser.submit(passwordPage, '/activation/mot-de-passe', {
      password: PASSWORD,
      confirmation: PASSWORD,
    });
    expect(textOf(pupils.html)).toContain('Je confirme mon lien avec les élèves');
    const theo = await stack.idp.database.db
      .selectFrom('pupils')
      .select('id')
      .where('registry_id', '=', 'SF-E4')
      .executeTakeFirstOrThrow();

    // « Je ne suis pas le représentant légal » for every child: why, and whom to contact.
    const none = await browser.submit(pupils, '/activation/eleves', { [`lien_${theo.id}`]: 'non' });
    expect(none.status).toBe(400);
    expect(textOf(none.html)).toContain(
      'il ne peut pas être créé sans au moins un élève dont vous êtes le représentant légal',
    );
    expect(textOf(none.html)).toContain("contactez le secrétariat de l'école ou de l'établissement");

    // A wrong birth date says how many tries remain.
    const wrong = await browser.submit(pupils, '/activation/eleves', {
      [`lien_${theo.id}`]: 'oui',
      [`naissance-${theo.id}_jour`]: '07',
      [`naissance-${theo.id}_mois`]: '06',
      [`naissance-${theo.id}_annee`]: '2009',
    });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.html)).toContain('Il vous reste 4 essais pour les dates de naissance.');
  });

  it('the help pages: linked from every footer, one section per topic, the password advice on its own page', async () => {
    const browser = new HttpBrowser();
    const identity = await openActivation(browser);
    expect(identity.html).toMatch(/<footer[\s\S]*<a href="\/aide">Page d(&#x27;|')aide ÉduConnect<\/a>/);
    const help = await browser.get(idpUrl('/aide'));
    expect(help.status).toBe(200);
    const text = textOf(help.html);
    for (const topic of [
      'Activer mon compte de représentant légal',
      'Je n’ai pas de téléphone portable, ou mon numéro a changé',
      'J’ai oublié mon identifiant ou mon mot de passe',
      'Aide à la création de mot de passe sécurisé',
      'Qui contacter ?',
    ])
      expect(text).toContain(topic);
    const advice = await browser.get(idpUrl('/aide/mot-de-passe'));
    expect(advice.status).toBe(200);
    expect(textOf(advice.html)).toContain('phrase de passe');
    expect(textOf(advice.html)).toContain('gestionnaire de mots de passe');
    expect(textOf(advice.html)).toContain('N’utilisez pas le mot de passe d’un autre site');
    const unknown = await browser.get(idpUrl('/aide/nulle-part'));
    expect(unknown.status).toBe(404);
    expect(textOf(unknown.html)).toContain('Page introuvable');
  });

  it('a refused SMS request says the wait that Retry-After says', async () => {
    const browser = new HttpBrowser();
    const identity = await openActivation(browser);
    let refused: Page | undefined;
    for (let i = 0; i < 6 && !refused; i++) {
      const page = await browser.submit(identity, '/activation/identite', {
        nom: 'Inconnu',
        prenom: 'Personne',
        telephone: '06 99 88 77 66',
      });
      if (page.status === 429) refused = page;
    }
    expect(refused).toBeDefined();
    const said = /Réessayez dans (une heure|(\d+) minutes?)/.exec(textOf(refused!.html))!;
    const minutes = said[1] === 'une heure' ? 60 : Number(said[2]);
    expect(Number(refused!.headers.get('retry-after'))).toBe(minutes * 60);
  });

  it('both servers answer /favicon.ico', async () => {
    for (const base of [stack.idp.baseUrl, stack.ent.baseUrl]) {
      const response = await fetch(`${base}/favicon.ico`);
      expect(response.status, base).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/x-icon');
      expect(Buffer.from(await response.arrayBuffer()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
    }
  });

  it('ENT: levels as a person reads them, the subtitle of what is listed, no dangling « · »; logout says what is true', async () => {
    const browser = new HttpBrowser();
    const identity = await openActivation(browser);
    const codePage = await browser.submit(identity, '/activation/identite', {
      nom: 'Garcia',
      prenom: 'Rosa',
      telephone: '06 44 33 22 11',
    });
    const passwordPage = await browser.submit(codePage, '/activation/code', {
      code: await latestCode('+33644332211'),
    });
    const pupilsPage = await browser.submit(passwordPage, '/activation/mot-de-passe', {
      password: PASSWORD,
      confirmation: PASSWORD,
    });
    const answers: Record<string, string> = {};
    for (const [registryId, date] of [
      ['SF-E1', ['03', '03', '2017']],
      ['SF-E2', ['04', '04', '2012']],
      ['SF-E3', ['05', '05', '2008']],
    ] as const) {
      const { id } = await stack.idp.database.db
        .selectFrom('pupils')
        .select('id')
        .where('registry_id', '=', registryId)
        .executeTakeFirstOrThrow();
      Object.assign(answers, {
        [`lien_${id}`]: 'oui',
        [`naissance-${id}_jour`]: date[0],
        [`naissance-${id}_mois`]: date[1],
        [`naissance-${id}_annee`]: date[2],
      });
    }
    const done = await browser.submit(pupilsPage, '/activation/eleves', answers);
    expect(textOf(done.html)).toContain('Votre compte a été activé avec succès');
    const chooser = await browser.submit(done, '/activation/acces');
    expect(chooser.url).toBe(`${stack.ent.baseUrl}/etablissements`);
    const chooserText = textOf(chooser.html);
    expect(chooserText).toContain("Écoles, collèges et lycées de l'académie");
    expect(chooserText).toContain('École · UAI 0861111B');
    expect(chooserText).not.toMatch(/·\s*·|^\s*·|·\s*$/m);

    const college = await browser.submit(chooser, '/etablissements', { uai: '0862222C' });
    expect(textOf(college.html)).toContain('Collège · UAI 0862222C');
    expect(textOf(college.html)).toContain('Hugo Garcia · 5e');
    const chooserAgain = await browser.get(`${stack.ent.baseUrl}/etablissements`);
    const chosen = await browser.submit(chooserAgain, '/etablissements', { uai: '0863333D' });
    expect(textOf(chosen.html)).toContain('Inès Garcia · 1re');
    expect(chosen.html).not.toContain('1ERE');

    // « Se déconnecter » at the ENT, a first-party service: no second question at ÉduConnect.
    const loggedOut = await browser.submit(chosen, '/deconnexion');
    expect(textOf(loggedOut.html)).not.toContain("Souhaitez-vous vous déconnecter d'ÉduConnect ?");
    expect(textOf(loggedOut.html)).toContain('Déconnexion en cours');
    const back = await browser.submit(loggedOut, '/session/end/confirm', { logout: 'yes' });
    expect(back.url.startsWith(`${stack.ent.baseUrl}/`)).toBe(true);
    expect(textOf(back.html)).toContain('Vous êtes déconnecté de l’ENT et d’ÉduConnect.');
    const session = await browser.get(idpUrl('/session/end'));
    expect(textOf(session.html)).not.toContain("Souhaitez-vous vous déconnecter d'ÉduConnect ?");
  });

  it('logout: an ID token of another person, or of a service that is not first-party, still gets the question', async () => {
    const firstParty = await TestRelyingParty.register(stack.idp, { name: 'ENT académique' });
    const thirdParty = await TestRelyingParty.register(stack.idp, { firstParty: false, name: 'Téléservice' });
    async function idToken(
      rp: TestRelyingParty,
      browser: HttpBrowser,
      profile: 'eleve' | 'responsable_legal',
      who: string,
    ) {
      const { request, page } = await rp.begin(browser);
      let callback = await loginWithPassword(browser, page, profile, who, DEMO_PASSWORD);
      if (!isCallback(callback.url)) callback = await browser.submit(callback, '/consent', {}, isCallback);
      return (await rp.exchange(callback.url, request)).id_token!;
    }
    const endSession = (rp: TestRelyingParty, hint: string) =>
      oidc.buildEndSessionUrl(rp.configuration, { id_token_hint: hint }).toString();
    const question = "Souhaitez-vous vous déconnecter d'ÉduConnect ?";

    const claire = new HttpBrowser();
    const claireToken = await idToken(firstParty, claire, 'responsable_legal', 'c.martin12');
    const lucas = new HttpBrowser();
    await idToken(firstParty, lucas, 'eleve', 'l.martin45');
    // Lucas's browser sent to a logout with Claire's token: asked, not logged out behind his back.
    expect(textOf((await lucas.get(endSession(firstParty, claireToken))).html)).toContain(question);
    // A service that is not first-party: asked.
    const thirdToken = await idToken(thirdParty, claire, 'responsable_legal', 'c.martin12');
    expect(textOf((await claire.get(endSession(thirdParty, thirdToken))).html)).toContain(question);
    // Claire's own token from the first-party service: no question.
    const own = await claire.get(endSession(firstParty, claireToken));
    expect(textOf(own.html)).not.toContain(question);
    expect(textOf(own.html)).toContain('Déconnexion en cours');
  });

  it('« Me déconnecter uniquement de ce service »: the ENT says that ÉduConnect is still connected, and offers to log out there too', async () => {
    const browser = new HttpBrowser();
    const home = await browser.get(`${stack.ent.baseUrl}/`);
    const choice = await browser.submit(home, '/auth/login');
    const login = await browser.get(idpUrl(`/interaction/${uidOf(choice)}/login/responsable_legal`));
    const landing = await browser.submit(login, '/login', {
      identifier: 'c.martin12',
      password: 'Cartable#2026',
    });
    expect(landing.url).toBe(`${stack.ent.baseUrl}/etablissements`);
    // Claire Martin's children are in a collège and a lycée only.
    expect(textOf(landing.html)).toContain("Collèges et lycées de l'académie");
    expect(textOf(landing.html)).not.toContain('Écoles');
    expect(textOf(landing.html)).toContain('Collège · Poitiers');

    // The ENT's logout as another, not first-party, service would see it: the confirmation page.
    const confirm = await browser.get(
      idpUrl(
        `/session/end?client_id=ent-demo&state=deconnecte&post_logout_redirect_uri=${encodeURIComponent(`${stack.ent.baseUrl}/`)}`,
      ),
    );
    expect(textOf(confirm.html)).toContain("Souhaitez-vous vous déconnecter d'ÉduConnect ?");
    const onlyEnt = await browser.submit(confirm, '/session/end/confirm');
    expect(onlyEnt.url).toContain('educonnect_session=active');
    expect(textOf(onlyEnt.html)).toContain(
      'Vous êtes déconnecté de l’ENT. Vous êtes toujours connecté à ÉduConnect sur cet appareil.',
    );
    expect(textOf(onlyEnt.html)).not.toContain('Vous êtes déconnecté de l’ENT et d’ÉduConnect');
    const link = /<a href="([^"]+)">Me déconnecter aussi d(?:&#x27;|')ÉduConnect<\/a>/.exec(
      onlyEnt.html,
    )?.[1];
    expect(link).toBeTruthy();
    const again = await browser.get(link!.replace(/&amp;/g, '&'));
    expect(textOf(again.html)).toContain("Souhaitez-vous vous déconnecter d'ÉduConnect ?");
    const both = await browser.submit(again, '/session/end/confirm', { logout: 'yes' });
    expect(textOf(both.html)).toContain('Vous êtes déconnecté de l’ENT et d’ÉduConnect.');
  });
});
