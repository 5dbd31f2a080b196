import * as oidc from 'openid-client';
import type { Config, FranceConnectSettings } from '../../config/config.js';

/** Where FranceConnect sends browsers back: after a login, and after its logout. */
export const CALLBACK_PATH = '/franceconnect/callback';
export const POST_LOGOUT_PATH = '/franceconnect/deconnexion';

/** The level FranceConnect v2 must assert in the ID token (`acr_values=eidas1` in the request). */
export const FRANCECONNECT_ACR = 'eidas1';
/** FranceConnect v2 scopes are claims: the identity the first login matches against the registry. */
const SCOPE = 'openid given_name family_name birthdate';

/** Why a return from FranceConnect was refused (logged and audited; the person sees one French page). */
export class FranceConnectError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`FranceConnect: ${reason}`, options);
    this.name = 'FranceConnectError';
  }
}

/** What FranceConnect tells us about the person, once the ID token and the signed userinfo are verified. */
export interface FranceConnectIdentity {
  sub: string;
  givenName: string;
  familyName: string;
  birthdate: string;
  idToken: string;
}

/**
 * FranceConnect v2 as seen by openid-client 6: authorization code flow with `acr_values=eidas1`,
 * `client_secret_post`, the ID token and the userinfo (a signed JWT, `application/jwt`) both verified
 * against FranceConnect's JWKS by openid-client's non-repudiation checks, and RP-initiated logout.
 */
export class FranceConnectClient {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(
    private readonly settings: FranceConnectSettings,
    /** Our callback and post-logout addresses, registered at FranceConnect. */
    readonly redirectUri: string,
    readonly postLogoutRedirectUri: string,
  ) {}

  /** Discovery once; a failure is retried at the next login rather than cached. */
  private config(): Promise<oidc.Configuration> {
    this.configuration ??= this.discover().catch((error: unknown) => {
      this.configuration = undefined;
      throw new FranceConnectError('discovery', { cause: error });
    });
    return this.configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const { clientId, clientSecret, issuer } = this.settings;
    const insecure = issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : undefined;
    const discovered = await oidc.discovery(new URL(issuer), clientId, clientSecret, undefined, insecure);
    const server = discovered.serverMetadata();
    // A userinfo that is not a JWT signed with one of these is refused by openid-client.
    const userinfoAlg = pickAlg(server.userinfo_signing_alg_values_supported);
    const idTokenAlg = pickAlg(server.id_token_signing_alg_values_supported);
    const configuration = new oidc.Configuration(
      server,
      clientId,
      {
        client_secret: clientSecret,
        userinfo_signed_response_alg: userinfoAlg,
        id_token_signed_response_alg: idTokenAlg,
      },
      oidc.ClientSecretPost(clientSecret),
    );
    if (insecure) oidc.allowInsecureRequests(configuration);
    // verifies the signatures of the ID token and of the userinfo JWT against FranceConnect's JWKS
    oidc.enableNonRepudiationChecks(configuration);
    return configuration;
  }

  /** The address of FranceConnect's authorization endpoint for this state and nonce. */
  async authorizationUrl(state: string, nonce: string): Promise<string> {
    const url = oidc.buildAuthorizationUrl(await this.config(), {
      redirect_uri: this.redirectUri,
      scope: SCOPE,
      acr_values: FRANCECONNECT_ACR,
      state,
      nonce,
    });
    return url.toString();
  }

  /** The code exchanged, the ID token and the userinfo JWT verified; throws FranceConnectError. */
  async identity(
    callbackUrl: URL,
    expected: { state: string; nonce: string },
  ): Promise<FranceConnectIdentity> {
    const configuration = await this.config();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw new FranceConnectError('token', { cause: error });
    }
    const claims = tokens.claims();
    if (!claims || !tokens.id_token) throw new FranceConnectError('id_token');
    if (claims.acr !== FRANCECONNECT_ACR) throw new FranceConnectError('acr');
    let userinfo: oidc.UserInfoResponse;
    try {
      userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub);
    } catch (error) {
      throw new FranceConnectError('userinfo', { cause: error });
    }
    const { given_name: givenName, family_name: familyName, birthdate } = userinfo;
    if (typeof givenName !== 'string' || typeof familyName !== 'string' || !givenName || !familyName)
      throw new FranceConnectError('claims');
    return {
      sub: claims.sub,
      givenName,
      familyName,
      birthdate: typeof birthdate === 'string' ? birthdate : '',
      idToken: tokens.id_token,
    };
  }

  /** FranceConnect's `session/end` for this session, coming back to `postLogoutRedirectUri`. */
  async logoutUrl(idToken: string, state: string): Promise<string> {
    return oidc
      .buildEndSessionUrl(await this.config(), {
        id_token_hint: idToken,
        state,
        post_logout_redirect_uri: this.postLogoutRedirectUri,
      })
      .toString();
  }
}

function pickAlg(supported: string[] | undefined): string {
  return ['ES256', 'RS256'].find((alg) => supported?.includes(alg)) ?? 'RS256';
}

/** Our client of FranceConnect, when FranceConnect is configured (else no button anywhere). */
export function franceConnectClient(config: Pick<Config, 'franceConnect' | 'issuer'>) {
  if (!config.franceConnect) return undefined;
  return new FranceConnectClient(
    config.franceConnect,
    `${config.issuer}${CALLBACK_PATH}`,
    `${config.issuer}${POST_LOGOUT_PATH}`,
  );
}
