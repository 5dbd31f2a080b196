import type { Context } from 'koa';
import { sql } from 'kysely';
import * as oidc from 'openid-client';
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/database.js';
import type { Account } from '../../db/schema.js';
import { findAccountById } from '../../domain/accounts/accounts.js';
import { deriveSecret, SecretBox } from '../../domain/secrets.js';
import {
  ACCOUNT_PORTAL_CALLBACK,
  ACCOUNT_PORTAL_CLIENT_ID,
  accountPortalSecret,
} from '../../oidc/account-portal.js';

/** The portal's cookie (its own session) and the one of a login in progress (PKCE, state, nonce). */
const SESSION_COOKIE = 'ec_compte';
const LOGIN_COOKIE = 'ec_compte_connexion';
/** The identity provider's session cookie (oidc-provider, signed with the same COOKIE_KEYS). */
const IDP_SESSION_COOKIE = 'ec_session';
const LOGIN_TTL_SECONDS = 600;

interface PortalCookie {
  /** account id */
  a: string;
  /** `uid` of the IdP session this portal session was opened from (its id changes on each login step) */
  s: string;
  /** ID token, the hint of « Se déconnecter » */
  t: string;
  /** idle expiry (ms since epoch) */
  e: number;
}

export interface PortalVisitor {
  account: Account;
  /** `uid` of the IdP session (kept when the password changes). */
  sessionUid: string;
  idToken: string;
}

/**
 * « Mon compte » signs in like any service: an authorization code flow (PKCE, state, nonce) with
 * openid-client against this very provider. Its session is a sealed cookie with its own idle
 * lifetime (ACCOUNT_SESSION_MINUTES), and it holds only while the browser's IdP session for the same
 * account lives: ending that session (logout, a password change elsewhere) ends the portal session.
 */
export class PortalSessions {
  private readonly box: SecretBox;
  private readonly configuration: oidc.Configuration;

  constructor(
    private readonly config: Config,
    private readonly db: Db,
  ) {
    this.box = new SecretBox(deriveSecret(config.secretKey, 'account-session'));
    const issuer = config.issuer;
    this.configuration = new oidc.Configuration(
      {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        end_session_endpoint: `${issuer}/session/end`,
      },
      ACCOUNT_PORTAL_CLIENT_ID,
      accountPortalSecret(config),
    );
    // development and tests run on http://localhost; production issuers are https (checked at start)
    if (issuer.startsWith('http:')) oidc.allowInsecureRequests(this.configuration);
  }

  private setCookie(ctx: Context, name: string, value: string | null, maxAgeMs?: number) {
    ctx.cookies.set(name, value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secure,
      overwrite: true,
      path: '/',
      ...(maxAgeMs !== undefined && { maxAge: maxAgeMs }),
    });
  }

  /** Starts a login: the authorization URL, the verifier, state and nonce kept in a sealed cookie. */
  async loginUrl(ctx: Context, returnTo = '/compte'): Promise<string> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const sealed = this.box.seal(
      JSON.stringify({ v: verifier, s: state, n: nonce, r: returnTo }),
      LOGIN_COOKIE,
    );
    this.setCookie(ctx, LOGIN_COOKIE, sealed, LOGIN_TTL_SECONDS * 1000);
    return oidc
      .buildAuthorizationUrl(this.configuration, {
        redirect_uri: `${this.config.issuer}${ACCOUNT_PORTAL_CALLBACK}`,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      })
      .toString();
  }

  /**
   * The callback: the code exchanged (state, nonce and PKCE checked by openid-client), the portal
   * session opened; the page to go to. False when the login cannot complete (cancelled, expired,
   * replayed).
   */
  async completeLogin(ctx: Context): Promise<string | false> {
    const raw = ctx.cookies.get(LOGIN_COOKIE);
    this.setCookie(ctx, LOGIN_COOKIE, null);
    const idpSession = ctx.cookies.get(IDP_SESSION_COOKIE, { signed: true });
    if (!raw || !idpSession || typeof ctx.query.code !== 'string') return false;
    let login: { v: string; s: string; n: string; r?: string };
    try {
      login = JSON.parse(this.box.open(raw, LOGIN_COOKIE));
    } catch {
      return false;
    }
    try {
      const tokens = await oidc.authorizationCodeGrant(
        this.configuration,
        new URL(`${this.config.issuer}${ctx.originalUrl}`),
        { pkceCodeVerifier: login.v, expectedState: login.s, expectedNonce: login.n },
      );
      const accountId = tokens.claims()?.sub;
      const session = await this.idpSession(idpSession);
      if (!accountId || !tokens.id_token || session?.accountId !== accountId || !session.uid) return false;
      this.write(ctx, { a: accountId, s: session.uid, t: tokens.id_token, e: 0 });
      return login.r ?? '/compte';
    } catch {
      return false;
    }
  }

  private write(ctx: Context, cookie: PortalCookie) {
    const ttl = this.config.accountSessionMinutes * 60 * 1000;
    const sealed = this.box.seal(JSON.stringify({ ...cookie, e: Date.now() + ttl }), SESSION_COOKIE);
    this.setCookie(ctx, SESSION_COOKIE, sealed, ttl);
  }

  private read(ctx: Context): PortalCookie | undefined {
    const raw = ctx.cookies.get(SESSION_COOKIE);
    if (!raw) return undefined;
    try {
      const cookie = JSON.parse(this.box.open(raw, SESSION_COOKIE)) as PortalCookie;
      return cookie.e > Date.now() ? cookie : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The person signed in to the portal, or undefined (cookie missing or idle too long, IdP session
   * ended or now another account's, account disabled). Each visit pushes the idle expiry back.
   */
  async visitor(ctx: Context): Promise<PortalVisitor | undefined> {
    const cookie = this.read(ctx);
    if (!cookie) return undefined;
    const idpSession = ctx.cookies.get(IDP_SESSION_COOKIE, { signed: true });
    const payload = idpSession ? await this.idpSession(idpSession) : undefined;
    if (!payload || payload.accountId !== cookie.a || payload.uid !== cookie.s) return this.forget(ctx);
    const account = await findAccountById(this.db, cookie.a);
    if (account?.status !== 'active') return this.forget(ctx);
    this.write(ctx, cookie);
    return { account, sessionUid: cookie.s, idToken: cookie.t };
  }

  /** The live IdP session of this id (the browser's `ec_session` cookie). */
  private async idpSession(id: string): Promise<{ accountId?: string; uid?: string } | undefined> {
    const row = await this.db
      .selectFrom('oidc_payloads')
      .select('payload')
      .where('kind', '=', 'Session')
      .where('id', '=', id)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
      .executeTakeFirst();
    return row?.payload as { accountId?: string; uid?: string } | undefined;
  }

  forget(ctx: Context): undefined {
    if (ctx.cookies.get(SESSION_COOKIE)) this.setCookie(ctx, SESSION_COOKIE, null);
    return undefined;
  }

  /** « Se déconnecter »: the portal session ends here, the IdP's on its logout page. */
  logoutUrl(ctx: Context, visitor: PortalVisitor): string {
    this.forget(ctx);
    return oidc.buildEndSessionUrl(this.configuration, { id_token_hint: visitor.idToken }).toString();
  }
}
