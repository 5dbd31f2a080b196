import { createElement } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { LoginPage } from '../../views/login/login.js';

const page = (franceConnectAction?: string) =>
  renderToString(
    createElement(LoginPage, {
      uid: 'abc',
      csrf: 'jeton',
      profile: 'responsable_legal',
      profileLabel: 'Représentant légal',
      franceConnectAction,
    }),
  );

describe('the FranceConnect block of the parent login page', () => {
  it('is absent when FranceConnect is not configured', () => {
    expect(page()).not.toContain('FranceConnect');
  });

  it('comes first: the button, the link in a new window, « ou », then the EduConnect form', () => {
    const html = page('/interaction/abc/franceconnect').replace(/&#x27;|&#39;/g, "'");
    const order = [
      "S'identifier avec",
      "FranceConnect est la solution proposée par l'Etat",
      'title="Qu\'est-ce que FranceConnect ? - nouvelle fenêtre"',
      '<p class="separator">ou</p>',
      "J'utilise mes identifiants Education nationale",
      'name="identifier"',
    ].map((needle) => html.indexOf(needle));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain('action="/interaction/abc/franceconnect"');
    expect(html).toContain('target="_blank"');
  });
});
