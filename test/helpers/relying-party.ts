import * as oidc from 'openid-client';
import type { Db } from '../../src/db/database.js';
import { addClient, clientSecretBox, type RegisteredClient } from '../../src/oidc/clients.js';
import type { HttpBrowser, Page } from './browser.js';

export const RP_REDIRECT = 'http://rp.test/callback';

/** A relying party driven by openid-client 6, as a stock integration would be. */
export class TestRelyingParty {
  private constructor(
    readonly client: RegisteredClient,
    readonly configuration: oidc.Configuration,
  ) {}

  /** Registers a client on the IdP (its secret sealed with the IdP's SECRET_KEY, as the CLI does). */
  static async register(
    idp: { database: { db: Db }; baseUrl: string; config: { secretKey: string } },
    options: {
      firstParty?: boolean;
      name?: string;
      backchannelLogoutUri?: string;
      idTokenAlg?: 'RS256' | 'ES256';
    } = {},
  ): Promise<TestRelyingParty> {
    const client = await addClient(
      idp.database.db,
      {
        name: options.name ?? 'Service de test',
        redirectUris: [RP_REDIRECT],
        postLogoutRedirectUris: ['http://rp.test/logged-out'],
        clientUri: 'http://rp.test/',
        firstParty: options.firstParty ?? true,
        backchannelLogoutUri: options.backchannelLogoutUri,
        idTokenAlg: options.idTokenAlg,
      },
      false,
      clientSecretBox(idp.config.secretKey),
    );
    return TestRelyingParty.fromClient(idp.baseUrl, client);
  }

  /** A relying party for a client registered elsewhere (e.g. by `educonnect clients add`). */
  static async fromClient(issuer: string, client: RegisteredClient): Promise<TestRelyingParty> {
    const configuration = await oidc.discovery(
      new URL(issuer),
      client.client_id,
      client.client_secret,
      undefined,
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    return new TestRelyingParty(client, configuration);
  }

  /** Builds an authorization request with PKCE, state and nonce. */
  async authorizationRequest(params: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(this.configuration, {
      redirect_uri: RP_REDIRECT,
      scope: 'openid profile educonnect',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...params,
    });
    return { url: url.toString(), verifier, state, nonce };
  }

  /** Follows the browser to the IdP's first page (the profile choice). */
  async begin(browser: HttpBrowser, params: Record<string, string> = {}) {
    const request = await this.authorizationRequest(params);
    const page = await browser.get(request.url, isCallback);
    return { request, page };
  }

  exchange(callbackUrl: string, request: { verifier: string; state: string; nonce: string }) {
    return oidc.authorizationCodeGrant(this.configuration, new URL(callbackUrl), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
  }
}

export const isCallback = (url: string) => url.startsWith(RP_REDIRECT);

/** Picks a profile and logs in; returns the page reached (the callback when no step is pending). */
export async function loginWithPassword(
  browser: HttpBrowser,
  profileChoice: Page,
  profile: 'responsable_legal' | 'eleve',
  identifier: string,
  password: string,
): Promise<Page> {
  const uid = /\/interaction\/([^/?#]+)/.exec(profileChoice.url)?.[1];
  if (!uid) throw new Error(`not an interaction page: ${profileChoice.url}`);
  const login = await browser.get(
    new URL(`/interaction/${uid}/login/${profile}`, profileChoice.url).toString(),
  );
  return browser.submit(login, '/login', { identifier, password }, isCallback);
}
