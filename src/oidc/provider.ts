import type { Context } from 'koa';
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/config.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import type { Db } from '../db/database.js';
import { deriveSecret } from '../domain/secrets.js';
import { renderUnavailable } from '../http/errors.js';
import { applyProxyPolicy } from '../http/proxy.js';
import { renderMessage } from '../http/render.js';
import { type ClientCache, createAdapterFactory } from './adapter.js';
import { findAccountWithClaims, pairwiseId, SCOPE_CLAIMS } from './claims.js';
import { clientSecretBox } from './clients.js';
import type { Jwks } from './keys.js';

export interface ClientMetadataExtras {
  first_party?: boolean;
}

const ERROR_MESSAGES: Record<string, string> = {
  invalid_request: 'La demande de connexion envoyée par le service est invalide.',
  invalid_client: "Le service qui vous a redirigé n'est pas reconnu par ÉduConnect.",
  invalid_redirect_uri: "L'adresse de retour du service n'est pas enregistrée auprès d'ÉduConnect.",
  unauthorized_client: "Ce service n'est pas autorisé à utiliser ce mode de connexion.",
  access_denied: 'La connexion a été refusée.',
  invalid_scope: 'Le service demande des informations qui ne peuvent pas lui être transmises.',
  unsupported_response_type: "Ce mode de connexion n'est pas pris en charge.",
  login_required: 'Vous devez vous connecter.',
  session_not_found: 'Votre session a expiré.',
  server_error: 'Une erreur technique est survenue.',
};

function isLoopbackUrl(url: URL | string | Request): boolean {
  const { hostname } = new URL(url instanceof Request ? url.url : url);
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

const NOT_FOUND = {
  title: 'Page introuvable',
  paragraphs: [
    'Cette adresse ne correspond à aucune page d’ÉduConnect.',
    'Vérifiez l’adresse, ou repassez par le site de votre établissement ou de votre ENT pour vous connecter.',
  ],
  tone: 'error' as const,
};

/** A new authorization request: the entrance of every login, refused by admission control under overload. */
export function isNewAuthorization(method: string, path: string): boolean {
  return (method === 'GET' || method === 'POST') && (path === '/auth' || path === '/auth/');
}

function frenchError(code: string | undefined): string {
  return (code && ERROR_MESSAGES[code]) || 'La demande de connexion ne peut pas aboutir.';
}

/**
 * A database outage on the provider's routes: its error handlers answer 503 (renderError above, or
 * JSON for /token and /me) and here they get `Retry-After`; the session save that oidc-provider runs
 * after its error handler (ensureSessionSave) would otherwise reach Koa's bare 503 text.
 */
async function databaseOutage(ctx: Context, next: () => Promise<unknown>): Promise<void> {
  try {
    await next();
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    // the redirect or cookies of a step that was not saved must not go out
    ctx.remove('Location');
    ctx.remove('Set-Cookie');
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.status = 503;
      ctx.body = { error: 'temporarily_unavailable', error_description: 'database unavailable' };
    } else renderUnavailable(ctx);
  }
  if (ctx.status === 503 && !ctx.response.get('Retry-After')) ctx.set('Retry-After', '5');
}

/** The pages of RP-initiated logout (the logout flow's). */
export interface LogoutPages {
  /** `sessionSubject`: the `sub` this session's person has at the service asking (its ID tokens'). */
  logoutSource(
    ctx: KoaContextWithOIDC,
    form: string,
    sessionSubject: () => string | undefined,
  ): Promise<void>;
  postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void>;
}

/** The grant of this login; first-party services (the académie's own ENT) get theirs without consent. */
async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const oidc = ctx.oidc;
  const grantId = oidc.result?.consent?.grantId || oidc.session!.grantIdFor(oidc.client!.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!(oidc.client as unknown as ClientMetadataExtras).first_party) return existing;
  // First-party services (the académie's own ENT) are trusted: no consent page, ever.
  const grant =
    existing ??
    new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId! });
  const requested = oidc.requestParamScopes;
  const missing = [...requested].filter((scope) => !grant.getOIDCScope().split(' ').includes(scope));
  if (!existing || missing.length > 0) {
    grant.addOIDCScope([...requested].join(' '));
    await grant.save();
  }
  return grant;
}

/** Code flow only, pairwise subjects, client_secret_basic: what stock relying parties expect. */
const CLIENT_DEFAULTS: Configuration['clientDefaults'] = {
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'RS256',
  subject_type: 'pairwise',
};

/** Lifetimes: codes a minute, tokens an hour, refresh tokens and grants two weeks, sessions 12 h. */
const TTL_SECONDS: Configuration['ttl'] = {
  AuthorizationCode: 60,
  AccessToken: 3600,
  IdToken: 3600,
  RefreshToken: 14 * 24 * 3600,
  Grant: 14 * 24 * 3600,
  Interaction: 3600,
  Session: 12 * 3600,
};

export interface ProviderDeps {
  config: Config;
  db: Db;
  jwks: Jwks;
  clients?: ClientCache;
  logoutPages: LogoutPages;
}

/** oidc-provider configured for EduConnect: code flow + PKCE only, pairwise subjects, French pages. */
export function createProvider({ config, db, jwks, clients, logoutPages }: ProviderDeps): Provider {
  const pairwiseSecret = deriveSecret(config.secretKey, 'pairwise');

  const configuration: Configuration = {
    adapter: createAdapterFactory(db, clientSecretBox(config.secretKey), clients),
    jwks: jwks as Configuration['jwks'],
    cookies: {
      keys: config.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
      names: { session: 'ec_session', interaction: 'ec_interaction', resume: 'ec_resume' },
    },
    claims: Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([scope, claims]) => [scope, [...claims]])),
    scopes: ['openid', 'offline_access', 'profile', 'email', 'phone', 'educonnect'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: async (_ctx, accountId, client) =>
      pairwiseId(pairwiseSecret, client.clientId, accountId),
    clientDefaults: CLIENT_DEFAULTS,
    extraClientMetadata: {
      properties: ['first_party'],
      validator(_ctx, key, value) {
        if (key === 'first_party' && value !== undefined && typeof value !== 'boolean') {
          throw new errors.InvalidClientMetadata('first_party must be a boolean');
        }
      },
    },
    // « Je n'ai pas de compte Educonnect »: a service asks for the ATEN transition (src/flows/aten).
    extraParams: ['transition'],
    rotateRefreshToken: true,
    ttl: TTL_SECONDS,
    features: {
      devInteractions: { enabled: false },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) =>
          logoutPages.logoutSource(ctx, form, () => {
            const accountId = ctx.oidc.session?.accountId;
            const client = ctx.oidc.client;
            if (!accountId || !client) return undefined;
            return client.subjectType === 'public'
              ? accountId
              : pairwiseId(pairwiseSecret, client.clientId, accountId);
          }),
        postLogoutSuccessSource: logoutPages.postLogoutSuccessSource,
      },
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    // oidc-provider refuses outgoing requests (back-channel logout) to loopback addresses (SSRF guard).
    // Outside production the demo ENT lives on localhost: let those through, and only those.
    fetch: (url, options) => {
      if (!config.production && isLoopbackUrl(url)) delete (options as { dispatcher?: unknown }).dispatcher;
      return globalThis.fetch(url, options);
    },
    loadExistingGrant,
    findAccount: findAccountWithClaims(db, pairwiseSecret),
    async renderError(ctx, out, error) {
      // the database is away (restart, failover): the same 503 page as our own routes
      if (isDatabaseUnavailable(error)) return renderUnavailable(ctx as unknown as Context);
      const status = Math.max(ctx.status, 400);
      const code = (out as { error?: string }).error;
      if (status >= 500) ctx.app.emit('error', error, ctx);
      renderMessage(
        ctx as unknown as Context,
        {
          title: 'Connexion impossible',
          paragraphs: [frenchError(code), 'Retournez sur le site du service et recommencez la connexion.'],
          tone: 'error',
        },
        status,
      );
    },
  };

  const provider = new Provider(config.issuer, configuration);
  applyProxyPolicy(provider, config);
  provider.use(databaseOutage);
  // « Me déconnecter uniquement de ce service »: the service is told that the ÉduConnect session
  // lives on (`educonnect_session=active` on its post-logout address), so that it does not claim
  // otherwise (docs/ent-integration.md).
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== '/session/end/confirm' || ctx.status !== 303 || ctx.oidc?.params?.logout) return;
    const location = ctx.response.get('Location');
    if (!location || location.startsWith(`${config.issuer}/`)) return;
    const url = new URL(location);
    url.searchParams.set('educonnect_session', 'active');
    ctx.redirect(url.href);
    ctx.status = 303;
  });
  // Paths that are none of ours nor the provider's: the same styled French page as the rest.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.status === 404 && ctx.body == null) renderMessage(ctx as unknown as Context, NOT_FOUND, 404);
  });
  return provider;
}
