import { describe, expect, it } from 'vitest';
import { HELP_TOPICS, helpTopics } from '../../src/flows/help/topics.js';

describe('« Page d’aide ÉduConnect » topics', () => {
  it('describe FranceConnect only where FranceConnect is offered', () => {
    const without = helpTopics({ franceConnect: false }).map((topic) => topic.id);
    expect(without).not.toContain('franceconnect');
    const offered = helpTopics({ franceConnect: true });
    expect(offered.map((topic) => topic.id)).toContain('franceconnect');
    expect(offered.find((topic) => topic.id === 'franceconnect')?.paragraphs.join(' ')).toContain(
      'S’identifier avec FranceConnect',
    );
  });

  it('send a parent who forgot a credential to the recovery links, not only to the school', () => {
    const forgotten = HELP_TOPICS.find((topic) => topic.id === 'identifiants-oublies');
    const text = forgotten?.paragraphs.join(' ') ?? '';
    expect(text).toContain('« Identifiant oublié ? »');
    expect(text).toContain('« Mot de passe oublié ? »');
  });

  it('have unique ids (each is a page, /aide/<id>)', () => {
    const ids = helpTopics({ franceConnect: true }).map((topic) => topic.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
