import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientNetwork } from '../../src/domain/rate-limits.js';
import { parseRegistryCsv, REGISTRY_COLUMNS } from '../../src/domain/registry/csv.js';
import { importRegistry } from '../../src/domain/registry/import.js';
import { HttpBrowser, type Page, textOf } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { TestRelyingParty } from '../helpers/relying-party.js';

const CLG = '0861234A;Collège Jean Moulin';
const REGISTRY = [
  REGISTRY_COLUMNS.join(';'),
  `${CLG};C-E1;Roux;Jade;04/04/2012;5EME;C-R1;Roux;Nadia;06 55 44 33 01;`,
  `${CLG};C-E2;Moreau;Hugo;05/05/2012;5EME;C-R2;Moreau;Isabelle;06 55 44 33 02;`,
  `${CLG};C-E3;Simon;Zoé;06/06/2012;5EME;C-R3;Simon;Thierry;06 55 44 33 03;`,
  `${CLG};C-E4;Laurent;Jules;07/07/2012;5EME;C-R4;Laurent;Aurélie;06 55 44 33 04;`,
  `${CLG};C-E5;Vincent;Camille;08/08/2012;5EME;C-R5;Vincent;Paul;06 55 44 33 05;`,
].join('\n');

describe('client networks counted by the per-address limits', () => {
  it('counts an IPv4 address alone and an IPv6 address by its /64', () => {
    expect(clientNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:db8::1')).toBe('2001:db8:0:0::/64');
  });
});

describe.each(DATABASE_KINDS)('activation limits on %s', (kind) => {
  let idp: TestIdp;
  let rp: TestRelyingParty;

  beforeAll(async () => {
    idp = await startTestIdp(kind, {
      env: {
        TRUST_PROXY: 'true', // each HttpBrowser comes from its own X-Forwarded-For address
        ACTIVATION_IP_HOURLY_LIMIT: '8',
        SMS_IP_HOURLY_LIMIT: '10',
        SMS_NUMBER_HOURLY_LIMIT: '12',
        SMS_CODE_DAILY_GUESS_LIMIT: '6',
        SMS_RESEND_COOLDOWN_SECONDS: '0',
      },
    });
    await importRegistry(idp.database.db, parseRegistryCsv(REGISTRY).lines);
    rp = await TestRelyingParty.register(idp);
  });
  afterAll(async () => {
    await idp?.stop();
  });

  const db = () => idp.database.db;

  async function identify(ip: string, nom: string, prenom: string, telephone: string) {
    const browser = new HttpBrowser(ip);
    const { page: choice } = await rp.begin(browser);
    const uid = /\/interaction\/([^/?#]+)/.exec(choice.url)![1];
    const identity = await browser.get(`${idp.baseUrl}/interaction/${uid}/activation`);
    const page = await browser.submit(identity, '/activation/identite', { nom, prenom, telephone });
    return { browser, page };
  }
  async function outbox(to: string): Promise<{ body: string | null }[]> {
    const response = await fetch(`${idp.baseUrl}/dev/outbox?to=${encodeURIComponent(to)}`);
    return (await response.json()) as { body: string | null }[];
  }
  async function latestCode(to: string): Promise<string> {
    const [message] = await outbox(to);
    return /\b([0-9]{6})\b/.exec(message?.body ?? '')![1]!;
  }
  /** The page's visible text without what differs by nature (masked number, tokens). */
  const normalised = (page: Page) => textOf(page.html).replace(/\+33 6 •• •• •• \d\d/, '<numéro>');

  it('lets the owner get a code although strangers used up their own requests for the number', async () => {
    // From one address, the right name 5 times: this address is capped for this number and name...
    for (let i = 0; i < 5; i++)
      expect((await identify('198.51.100.1', 'Roux', 'Nadia', '06 55 44 33 01')).page.status).toBe(200);
    const capped = await identify('198.51.100.1', 'Roux', 'Nadia', '06 55 44 33 01');
    expect(capped.page.status).toBe(429);
    expect(textOf(capped.page.html)).toContain('Trop de codes de sécurité ont été demandés pour ce numéro.');
    expect(Number(capped.page.headers.get('retry-after'))).toBeGreaterThan(0);
    // ...and other names for the same number, from other addresses, count apart (and send nothing).
    for (let i = 0; i < 6; i++)
      expect(
        (await identify(`198.51.100.${10 + i}`, 'Roux', `Inconnue${'x'.repeat(i)}`, '06 55 44 33 01')).page
          .status,
      ).toBe(200);
    // The owner, from their own connection, still gets a code, and it works.
    const owner = await identify('203.0.113.50', 'ROUX', 'nadia', '+33 6 55 44 33 01');
    expect(owner.page.status).toBe(200);
    const next = await owner.browser.submit(owner.page, '/activation/code', {
      code: await latestCode('+33655443301'),
    });
    expect(textOf(next.html)).toContain('Je choisis mon nouveau mot de passe');
    expect(await outbox('+33655443301')).toHaveLength(6); // 5 from the stranger, 1 for the owner
  });

  it('limits identity posts and SMS requests per client address, the same way for anyone asked', async () => {
    const ip = '198.51.100.77';
    const people = [
      ['Moreau', 'Isabelle', '06 55 44 33 02'], // in the registry
      ['Inconnu', 'Personne', '06 55 44 33 92'], // not
    ] as const;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const [nom, prenom, telephone] = people[i % 2]!;
      statuses.push((await identify(ip, nom, `${prenom}${'e'.repeat(i)}`, telephone)).page.status);
    }
    expect(statuses).toEqual(Array(8).fill(200));
    const refusals = [];
    for (const [nom, prenom, telephone] of people) {
      const refused = await identify(ip, nom, prenom, telephone);
      expect(refused.page.status).toBe(429);
      expect(Number(refused.page.headers.get('retry-after'))).toBeGreaterThan(0);
      refusals.push(normalised(refused.page));
    }
    expect(refusals[0]).toContain('Trop de demandes ont été envoyées depuis votre connexion internet.');
    expect(refusals[1]).toBe(refusals[0]);
    // Another connection is not affected.
    expect((await identify('198.51.100.78', 'Moreau', 'Isabelle', '06 55 44 33 02')).page.status).toBe(200);
    // SMS requests per address count resends too: 6 starts and 4 resends make 10; the 7th start is
    // refused although it is only the 7th identity post of this address.
    const other = '198.51.100.79';
    const a = await identify(other, 'Simon', 'Thierry', '06 55 44 33 03');
    const b = await identify(other, 'Inconnu', 'Nom', '06 55 44 33 93');
    for (let i = 0; i < 4; i++)
      expect(
        (await identify(other, 'Inconnu', `Nom${'a'.repeat(i + 1)}`, '06 55 44 33 93')).page.status,
      ).toBe(200);
    for (const flow of [a, b])
      for (let i = 0; i < 2; i++)
        expect((await flow.browser.submit(flow.page, '/activation/renvoi')).status).toBe(200);
    const refused = await identify(other, 'Inconnu', 'Nomb', '06 55 44 33 94');
    expect(refused.page.status).toBe(429);
    expect(textOf(refused.page.html)).toContain(
      'Trop de demandes ont été envoyées depuis votre connexion internet.',
    );
    expect(await outbox('+33655443303')).toHaveLength(3);
  });

  it('sends at most 3 SMS per activation', async () => {
    const { browser, page } = await identify('198.51.100.90', 'Laurent', 'Aurélie', '06 55 44 33 04');
    for (let i = 0; i < 2; i++) expect((await browser.submit(page, '/activation/renvoi')).status).toBe(200);
    const refused = await browser.submit(page, '/activation/renvoi');
    expect(refused.status).toBe(429);
    expect(textOf(refused.html)).toContain(
      "Le nombre maximal d'envois de SMS pour cette activation est atteint.",
    );
    expect(await outbox('+33655443304')).toHaveLength(3);
    // The last code sent still works.
    const next = await browser.submit(refused, '/activation/code', {
      code: await latestCode('+33655443304'),
    });
    expect(textOf(next.html)).toContain('Je choisis mon nouveau mot de passe');
  });

  it('caps a number over a sliding hour, from all addresses together', async () => {
    // 12 requests for this number and name from 3 addresses (4 each): the 13th is refused anywhere.
    for (let i = 0; i < 12; i++)
      expect(
        (await identify(`192.0.2.${1 + (i % 3)}`, 'Vincent', 'Paul', '06 55 44 33 05')).page.status,
      ).toBe(200);
    expect((await identify('192.0.2.200', 'Vincent', 'Paul', '06 55 44 33 05')).page.status).toBe(429);
    // Requests 59 minutes old still count: no clock hour to straddle...
    await sql`update rate_limits set hits = array(select t - interval '59 minutes' from unnest(hits) as t)`.execute(
      db(),
    );
    expect((await identify('192.0.2.201', 'Vincent', 'Paul', '06 55 44 33 05')).page.status).toBe(429);
    // ...and once they are more than an hour old, the number may be asked again.
    await sql`update rate_limits set hits = array(select t - interval '2 minutes' from unnest(hits) as t)`.execute(
      db(),
    );
    expect((await identify('192.0.2.202', 'Vincent', 'Paul', '06 55 44 33 05')).page.status).toBe(200);
  });

  it('ends activations at once past a daily ceiling of wrong codes per number, but the right code still works', async () => {
    const wrongCode = async (browser: HttpBrowser, page: Page, code: string) =>
      browser.submit(page, '/activation/code', { code });
    // Known and unknown numbers go through the same pages.
    const transcripts: string[][] = [];
    for (const [nom, prenom, telephone, e164] of [
      ['Moreau', 'Isabelle', '06 55 44 33 02', '+33655443302'],
      ['Inconnu', 'Personne', '06 55 44 33 92', '+33655443392'],
    ] as const) {
      const seen: string[] = [];
      // A first activation: 5 wrong codes end it (6 wrong codes today is the ceiling).
      const first = await identify('203.0.113.101', nom, prenom, telephone);
      for (let i = 0; i < 5; i++) {
        const page = await wrongCode(first.browser, first.page, '000000');
        seen.push(`${page.status} ${normalised(page).slice(0, 400)}`);
      }
      // A second activation: its first wrong code is the 6th of the day, the next one ends it at once.
      const second = await identify('203.0.113.102', nom, prenom, telephone);
      const sixth = await wrongCode(second.browser, second.page, '000000');
      expect(sixth.status).toBe(400);
      expect(textOf(sixth.html)).toContain('Il vous reste 4 essais.');
      const seventh = await wrongCode(second.browser, second.page, '000000');
      expect(seventh.status).toBe(403);
      expect(textOf(seventh.html)).toContain(
        'Trop de codes de sécurité erronés ont été saisis pour ce numéro ces dernières 24 heures.',
      );
      seen.push(
        `${sixth.status} ${normalised(sixth).slice(0, 400)}`,
        `${seventh.status} ${normalised(seventh)}`,
      );
      transcripts.push(seen.map((line) => line.replace(/name="_csrf" value="[^"]+"/g, '')));
      if (e164 === '+33655443302') {
        // The owner, who has the SMS, still gets in with the right code.
        const owner = await identify('203.0.113.103', nom, prenom, telephone);
        const next = await owner.browser.submit(owner.page, '/activation/code', {
          code: await latestCode(e164),
        });
        expect(textOf(next.html)).toContain('Je choisis mon nouveau mot de passe');
      }
    }
    expect(transcripts[0]).toEqual(transcripts[1]);
  });
});
