import { createHash, randomBytes } from 'node:crypto';
import { hiddenField, type Response, UnexpectedResponse, type VirtualBrowser } from './browser.js';
import type { Recorder } from './stats.js';

export const BENCH_PASSWORD = 'Cartable-Rouge-2024!';
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

export interface BenchClient {
  clientId: string;
  clientSecret: string;
}

export function accountIdentifier(index: number): string {
  return `b.bench${index}`;
}

/** Thrown when load shedding refused a request (503 + Retry-After): at a flow's entrance or its login POST. */
export class ShedError extends Error {
  constructor(readonly step = 'login POST') {
    super(`${step} shed`);
    this.name = 'ShedError';
  }
}

/** Thrown after the login POST was admitted: such failures must not happen, even under overload. */
export class AdmittedFailure extends Error {
  constructor(override readonly cause: Error) {
    super(`admitted flow failed: ${cause.message}`);
    this.name = 'AdmittedFailure';
  }
}

export async function timed(
  recorder: Recorder,
  step: string,
  run: () => Promise<Response>,
): Promise<Response> {
  const start = performance.now();
  const response = await run();
  recorder.step(step, performance.now() - start);
  return response;
}

export function expectStatus(step: string, response: Response, ...statuses: number[]): Response {
  if (!statuses.includes(response.status)) throw new UnexpectedResponse(step, response);
  return response;
}

function basic(client: BenchClient): string {
  const encode = (s: string) => encodeURIComponent(s);
  return `Basic ${Buffer.from(`${encode(client.clientId)}:${encode(client.clientSecret)}`).toString('base64')}`;
}

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
}

/** Throws ShedError when load shedding refused the request (503 + Retry-After + the French page). */
export function checkShed(step: string, response: Response): void {
  if (response.status !== 503) return;
  if (!response.headers['retry-after'] || !response.body.includes('très demandé'))
    throw new UnexpectedResponse(`${step} 503`, response);
  throw new ShedError(step);
}

/** A new browser's authorization request (PKCE): the interaction URL and the code verifier. */
export async function authorizeRequest(
  browser: VirtualBrowser,
  client: BenchClient,
  recorder: Recorder,
  options: { offline?: boolean } = {},
): Promise<{ interactionUrl: string; verifier: string }> {
  browser.jar.clear(); // every flow is a new parent's browser
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const params = new URLSearchParams({
    client_id: client.clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: options.offline ? 'openid profile educonnect offline_access' : 'openid profile educonnect',
    state: randomBytes(16).toString('base64url'),
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(options.offline ? { prompt: 'consent' } : {}),
  });
  const authorize = await timed(recorder, 'authorize', () => browser.request('GET', `/auth?${params}`));
  checkShed('authorize', authorize);
  expectStatus('authorize', authorize, 302, 303);
  return { interactionUrl: authorize.location!, verifier };
}

/**
 * The browser flow a parent makes, then the service's back-channel calls: authorize (PKCE) ->
 * profile choice -> login form -> login POST (argon2id verify) -> resume -> code -> token -> userinfo.
 */
export async function loginFlow(
  browser: VirtualBrowser,
  client: BenchClient,
  identifier: string,
  recorder: Recorder,
  options: { offline?: boolean } = {},
): Promise<TokenSet> {
  const { interactionUrl, verifier } = await authorizeRequest(browser, client, recorder, options);
  expectStatus(
    'profile choice',
    await timed(recorder, 'profile choice', () => browser.request('GET', interactionUrl)),
    200,
  );
  const form = expectStatus(
    'login form',
    await timed(recorder, 'login form', () =>
      browser.request('GET', `${interactionUrl}/login/responsable_legal`),
    ),
    200,
  );
  const csrf = hiddenField(form.body, '_csrf') ?? '';
  const posted = await timed(recorder, 'login POST', () =>
    browser.request('POST', `${interactionUrl}/login`, {
      form: { _csrf: csrf, profile: 'responsable_legal', identifier, password: BENCH_PASSWORD },
    }),
  );
  checkShed('login POST', posted);
  expectStatus('login POST', posted, 302, 303);
  return completeFlow(browser, client, posted.location!, verifier, recorder);
}

/**
 * The end of an admitted flow, from the redirect after the login (or activation): resume (and the
 * first-party consent round) -> code -> token -> userinfo. Any failure is an AdmittedFailure.
 */
export async function completeFlow(
  browser: VirtualBrowser,
  client: BenchClient,
  firstLocation: string,
  verifier: string,
  recorder: Recorder,
): Promise<TokenSet> {
  try {
    let location = firstLocation;
    let code: string | undefined;
    // resume (and, for offline access, the first-party auto-consent round) until the callback
    for (let hop = 0; hop < 6 && !code; hop++) {
      if (location.startsWith(REDIRECT_URI)) {
        code = new URL(location).searchParams.get('code') ?? undefined;
        if (!code) throw new Error(`callback without code: ${location}`);
        break;
      }
      const target = location;
      const step = target.includes('/interaction/') ? 'consent' : 'resume';
      const response = expectStatus(
        step,
        await timed(recorder, step, () => browser.request('GET', target)),
        302,
        303,
      );
      location = response.location!;
    }
    if (!code) throw new Error('no authorization code');
    const tokenResponse = expectStatus(
      'token',
      await timed(recorder, 'token', () =>
        browser.request('POST', '/token', {
          headers: { authorization: basic(client) },
          form: {
            grant_type: 'authorization_code',
            code: code!,
            redirect_uri: REDIRECT_URI,
            code_verifier: verifier,
          },
        }),
      ),
      200,
    );
    const tokens = JSON.parse(tokenResponse.body) as TokenSet;
    expectStatus(
      'userinfo',
      await timed(recorder, 'userinfo', () =>
        browser.request('GET', '/me', { headers: { authorization: `Bearer ${tokens.access_token}` } }),
      ),
      200,
    );
    return tokens;
  } catch (error) {
    throw new AdmittedFailure(error as Error);
  }
}

/** One refresh-token rotation: returns the new refresh token. */
export async function refreshFlow(
  browser: VirtualBrowser,
  client: BenchClient,
  refreshToken: string,
  recorder: Recorder,
): Promise<string> {
  const response = expectStatus(
    'refresh',
    await timed(recorder, 'refresh', () =>
      browser.request('POST', '/token', {
        headers: { authorization: basic(client) },
        form: { grant_type: 'refresh_token', refresh_token: refreshToken },
      }),
    ),
    200,
  );
  const tokens = JSON.parse(response.body) as TokenSet;
  if (!tokens.refresh_token) throw new Error('no rotated refresh token');
  return tokens.refresh_token;
}
