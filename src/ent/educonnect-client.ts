import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import type { EntConfig } from './config.js';
import type { PendingLogin } from './sessions.js';

export const SCOPE = 'openid profile educonnect';
const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** The IdP could not be reached (discovery, token or userinfo): "service indisponible", try again later. */
export class IdpUnavailableError extends Error {
  constructor(cause: unknown) {
    super('EduConnect is unreachable', { cause });
    this.name = 'IdpUnavailableError';
  }
}

export class InvalidLogoutTokenError extends Error {
  constructor(reason: string) {
    super(`invalid logout token: ${reason}`);
    this.name = 'InvalidLogoutTokenError';
  }
}

export interface CompletedLogin {
  idToken: string;
  subject: string;
  idpSessionId: string | undefined;
  userinfo: Record<string, unknown>;
}

function isNetworkError(error: unknown): boolean {
  const e = error as { name?: string; code?: string; cause?: unknown };
  if (e?.name === 'TypeError' && /fetch failed/i.test(String((e as Error).message))) return true;
  if (e?.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || e?.code === 'OAUTH_RESPONSE_IS_NOT_JSON') return true;
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return true;
  if (e?.code && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|UND_ERR)/.test(e.code)) return true;
  return e?.cause !== undefined && e.cause !== error ? isNetworkError(e.cause) : false;
}

/**
 * The ENT's side of EduConnect, on openid-client 6: discovery (retried until the IdP answers),
 * authorization code + PKCE + state + nonce, ID token validation, userinfo, RP-initiated logout and
 * back-channel logout tokens. This is the part an ENT developer copies.
 */
export class EduConnectClient {
  private configuration: Promise<oidc.Configuration> | undefined;
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  /** jti of accepted logout tokens until they are too old anyway: a replay cannot end a newer session. */
  private readonly seenLogoutTokens = new Map<string, number>();

  constructor(private readonly config: EntConfig) {}

  get redirectUri(): string {
    return `${this.config.baseUrl}/auth/callback`;
  }

  /** « Mon compte ÉduConnect »: the EduConnect portal, where the person manages their account. */
  get accountUrl(): string {
    return `${this.config.issuer}/`;
  }

  get postLogoutRedirectUri(): string {
    return `${this.config.baseUrl}/`;
  }

  /** Discovery once; a failure is not cached, so the next click tries again. */
  private discover(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      const { issuer, clientId, clientSecret } = this.config;
      const insecure = issuer.startsWith('http:');
      this.configuration = oidc
        .discovery(new URL(issuer), clientId, clientSecret, oidc.ClientSecretBasic(clientSecret), {
          execute: insecure ? [oidc.allowInsecureRequests] : [],
          timeout: 10,
        })
        .catch((error) => {
          this.configuration = undefined;
          throw new IdpUnavailableError(error);
        });
    }
    return this.configuration;
  }

  /** A new login: the authorization URL and the checks to keep in the session until the callback. */
  async startLogin(
    /** `aten`: « Je n'ai pas de compte Educonnect », the IdP's ATEN transition. */
    transition?: 'aten',
  ): Promise<{ url: string; pending: Omit<PendingLogin, 'startedAt'> }> {
    const configuration = await this.discover();
    const pending = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      ...(transition && { transition }),
    });
    return { url: url.href, pending };
  }

  /**
   * The callback: code exchange (checks state, PKCE, the ID token's signature, iss, aud, exp and
   * nonce), then userinfo for the EduConnect claims, bound to the ID token's subject.
   */
  async completeLogin(callbackUrl: URL, pending: Omit<PendingLogin, 'startedAt'>): Promise<CompletedLogin> {
    const configuration = await this.discover();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw isNetworkError(error) ? new IdpUnavailableError(error) : error;
    }
    const claims = tokens.claims();
    if (!claims || !tokens.id_token) throw new Error('no ID token in the token response');
    let userinfo: Record<string, unknown>;
    try {
      userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub);
    } catch (error) {
      throw isNetworkError(error) ? new IdpUnavailableError(error) : error;
    }
    return {
      idToken: tokens.id_token,
      subject: claims.sub,
      idpSessionId: typeof claims.sid === 'string' ? claims.sid : undefined,
      userinfo,
    };
  }

  /** RP-initiated logout at the IdP, coming back to the ENT's login page. */
  async logoutUrl(idToken: string | undefined, state: string): Promise<string> {
    const configuration = await this.discover();
    const params: Record<string, string> = {
      post_logout_redirect_uri: this.postLogoutRedirectUri,
      client_id: this.config.clientId,
      state,
    };
    if (idToken) params.id_token_hint = idToken;
    return oidc.buildEndSessionUrl(configuration, params).href;
  }

  /**
   * OpenID Connect Back-Channel Logout 1.0, section 2.6: signature against the IdP's JWKS, iss, aud,
   * iat, the logout event, a sub or sid, and no nonce.
   */
  async verifyLogoutToken(token: string): Promise<{ subject?: string; idpSessionId?: string; jti?: string }> {
    const configuration = await this.discover();
    const metadata = configuration.serverMetadata();
    if (!metadata.jwks_uri) throw new InvalidLogoutTokenError('the IdP publishes no jwks_uri');
    this.jwks ??= createRemoteJWKSet(new URL(metadata.jwks_uri));
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: metadata.issuer,
        audience: this.config.clientId,
        algorithms: ['RS256', 'PS256', 'ES256'],
        maxTokenAge: '5 minutes',
        requiredClaims: ['iat', 'jti'],
      }));
    } catch (error) {
      throw new InvalidLogoutTokenError((error as Error).message);
    }
    const events = payload.events as Record<string, unknown> | undefined;
    if (typeof events !== 'object' || events === null || typeof events[BACKCHANNEL_LOGOUT_EVENT] !== 'object')
      throw new InvalidLogoutTokenError('missing back-channel logout event');
    if ('nonce' in payload) throw new InvalidLogoutTokenError('a logout token carries no nonce');
    const subject = typeof payload.sub === 'string' ? payload.sub : undefined;
    const idpSessionId = typeof payload.sid === 'string' ? payload.sid : undefined;
    if (!subject && !idpSessionId) throw new InvalidLogoutTokenError('neither sub nor sid');
    const now = Date.now();
    for (const [jti, until] of this.seenLogoutTokens) if (until < now) this.seenLogoutTokens.delete(jti);
    if (this.seenLogoutTokens.has(payload.jti!)) throw new InvalidLogoutTokenError('replayed jti');
    this.seenLogoutTokens.set(payload.jti!, now + 5 * 60_000);
    return { subject, idpSessionId, jti: payload.jti };
  }
}
