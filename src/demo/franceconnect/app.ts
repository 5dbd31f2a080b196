import { createHmac, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import { exportJWK, generateKeyPair } from 'jose';
import Koa, { type Context } from 'koa';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { createElement } from 'preact';
import {
  FcChoicePage,
  FcErrorPage,
  FcLogoutPage,
  FcWelcomePage,
} from '../../../views/franceconnect-demo/pages.js';
import { Csrf } from '../../http/csrf.js';
import { formParser, textField } from '../../http/form.js';
import { renderPage } from '../../http/render.js';
import { securityHeaders } from '../../http/security-headers.js';
import { staticFiles } from '../../http/static-files.js';
import {
  DEMO_IDENTITIES,
  DEMO_IDENTITY_PROVIDERS,
  type DemoIdentity,
  findDemoIdentity,
} from './identities.js';
import { memoryAdapterFactory } from './memory-adapter.js';

/** The service registered at the local FranceConnect (our identity provider). */
export interface FranceConnectDemoClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

export interface FranceConnectDemoOptions {
  issuer: string;
  clients: FranceConnectDemoClient[];
}

/**
 * What the local FranceConnect asserts, changeable while it runs: the integration tests make it
 * misbehave (another `acr`, a userinfo JWT altered after signing) to see our side refuse it.
 */
export interface DemoBehaviour {
  acr: string;
  tamperUserinfo: boolean;
}

export interface FranceConnectDemo {
  app: Koa;
  behaviour: DemoBehaviour;
}

const REMEMBER_COOKIE = 'fc_choix';
/** FranceConnect v2: every claim is its own scope. */
const CLAIM_SCOPES = [
  'given_name',
  'family_name',
  'birthdate',
  'gender',
  'birthplace',
  'birthcountry',
  'email',
  'preferred_username',
] as const;
const DATA_LABELS: Record<string, string> = {
  given_name: 'Prénom(s)',
  family_name: 'Nom de naissance',
  birthdate: 'Date de naissance',
  gender: 'Sexe',
  birthplace: 'Lieu de naissance',
  birthcountry: 'Pays de naissance',
  email: 'Adresse électronique',
  preferred_username: "Nom d'usage",
};

/**
 * A FranceConnect-like provider for development and tests (never started in production): its own
 * oidc-provider with FranceConnect v2's behaviour — `eidas1` acr, pairwise `sub`, `client_secret_post`,
 * ES256 ID tokens and userinfo as a signed JWT, 60 s access tokens, `session/end` without a question —
 * and the screens of seed 003. Keys, sessions and secrets live in memory: a restart forgets them.
 */
export async function createFranceConnectDemo(options: FranceConnectDemoOptions): Promise<FranceConnectDemo> {
  const behaviour: DemoBehaviour = { acr: 'eidas1', tamperUserinfo: false };
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'fc-demo-es256', alg: 'ES256', use: 'sig' };
  const secret = randomBytes(32);
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const provider = new Provider(options.issuer, demoConfiguration(options, signingKey, secret, cookieKeys));
  provider.use(async (ctx, next) => {
    await next();
    if (behaviour.tamperUserinfo && ctx.path === '/me' && typeof ctx.body === 'string')
      ctx.body = tampered(ctx.body);
  });

  const app = new Koa();
  app.keys = cookieKeys;
  app.silent = true;
  app.use(securityHeaders(false));
  app.use(staticFiles(['styles.css', 'fc-logout.js']));
  const router = interactionRoutes(provider, new Csrf(secret, 'fc_csrf'), behaviour);
  app.use(router.routes());
  app.use(router.allowedMethods());
  const callback = provider.callback();
  app.use(async (ctx) => {
    ctx.respond = false;
    await callback(ctx.req, ctx.res);
  });
  return { app, behaviour };
}

function demoConfiguration(
  options: FranceConnectDemoOptions,
  signingKey: Record<string, unknown>,
  secret: Buffer,
  cookieKeys: string[],
): Configuration {
  return {
    adapter: memoryAdapterFactory(),
    clients: options.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      client_name: 'Education nationale',
      redirect_uris: client.redirectUris,
      post_logout_redirect_uris: client.postLogoutRedirectUris,
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'ES256',
      userinfo_signed_response_alg: 'ES256',
      subject_type: 'pairwise',
      response_types: ['code'],
      grant_types: ['authorization_code'],
    })),
    jwks: { keys: [signingKey] } as Configuration['jwks'],
    cookies: {
      keys: cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
      names: { session: 'fc_session', interaction: 'fc_interaction', resume: 'fc_resume' },
    },
    acrValues: ['eidas1', 'eidas2', 'eidas3'],
    scopes: ['openid', ...CLAIM_SCOPES],
    claims: { openid: ['sub'], ...Object.fromEntries(CLAIM_SCOPES.map((claim) => [claim, [claim]])) },
    subjectTypes: ['pairwise'],
    pairwiseIdentifier: async (_ctx, accountId, client) =>
      createHmac('sha256', secret).update(`${client.sectorIdentifier}|${accountId}`).digest('hex'),
    responseTypes: ['code'],
    pkce: { required: () => false },
    ttl: {
      AccessToken: 60,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 12 * 3600,
      Grant: 12 * 3600,
    },
    features: {
      devInteractions: { enabled: false },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // FranceConnect ends its session without a question: the form is posted at once
        async logoutSource(ctx, form) {
          const formHtml = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
          renderPage(ctx as unknown as Context, createElement(FcLogoutPage, { formHtml }));
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      const identity = findDemoIdentity(id);
      if (!identity) return undefined;
      return { accountId: id, claims: async () => claimsOf(identity) };
    },
    // The « Continuer sur … » page is FranceConnect's consent: the grant follows the request.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { oidc } = ctx;
      const grant = new oidc.provider.Grant({
        clientId: oidc.client!.clientId,
        accountId: oidc.session!.accountId!,
      });
      grant.addOIDCScope([...oidc.requestParamScopes].join(' '));
      await grant.save();
      return grant;
    },
    async renderError(ctx, out) {
      const message = (out as { error_description?: string }).error_description ?? 'Demande invalide.';
      renderPage(
        ctx as unknown as Context,
        createElement(FcErrorPage, { message }),
        Math.max(ctx.status, 400),
      );
    },
  };
}

function claimsOf(identity: DemoIdentity) {
  const { id, ...claims } = identity;
  return { sub: id, ...claims };
}

/** The userinfo JWT with another first name, its signature left as it was. */
function tampered(jwt: string): string {
  const [header, payload, signature] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
  claims.given_name = 'Mallory';
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

/** The pages of seed 003: the choice of an account, « Bienvenue … », « Continuer sur … ». */
function interactionRoutes(provider: Provider, csrf: Csrf, behaviour: DemoBehaviour): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  const parseForm = formParser('16kb');
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  const details = async (ctx: Context) => {
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    const client = await provider.Client.find(interaction.params.client_id as string);
    return { interaction, clientName: client?.clientName ?? 'le service' };
  };
  const choice = async (ctx: Context, error?: string) => {
    const { interaction, clientName } = await details(ctx);
    const identities = DEMO_IDENTITIES.map((i) => ({
      id: i.id,
      label: `${i.given_name} ${i.family_name.toUpperCase()}, né(e) le ${i.birthdate.split('-').reverse().join('/')}`,
    }));
    const page = {
      uid: interaction.uid,
      csrf: csrf.token(ctx),
      clientName,
      providers: DEMO_IDENTITY_PROVIDERS,
      identities,
      error,
    };
    renderPage(ctx, createElement(FcChoicePage, page), error ? 400 : 200);
  };
  const welcome = async (ctx: Context, identity: DemoIdentity) => {
    const { interaction, clientName } = await details(ctx);
    const scopes = String(interaction.params.scope ?? '').split(' ');
    const data = scopes.map((scope) => DATA_LABELS[scope]).filter((label): label is string => Boolean(label));
    renderPage(
      ctx,
      createElement(FcWelcomePage, {
        uid: interaction.uid,
        csrf: csrf.token(ctx),
        clientName,
        identityId: identity.id,
        name: `${identity.given_name} ${identity.family_name.toUpperCase()}`,
        data,
      }),
    );
  };
  const finish = async (ctx: Context, result: Parameters<Provider['interactionResult']>[2]) => {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission: false,
    });
    ctx.status = 303;
    ctx.redirect(returnTo);
  };

  router.get('/', async (ctx) => {
    const remembered = findDemoIdentity(ctx.cookies.get(REMEMBER_COOKIE, { signed: true }));
    return remembered ? welcome(ctx, remembered) : choice(ctx);
  });
  router.post('/choix', parseForm, async (ctx) => {
    csrf.checkForm(ctx);
    const identity = findDemoIdentity(textField(ctx.request.body, 'identite', 64));
    if (!identity) return choice(ctx, 'Choisissez une identité.');
    if (textField(ctx.request.body, 'souvenir', 8) === 'oui')
      ctx.cookies.set(REMEMBER_COOKIE, identity.id, {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        maxAge: 365 * 86400_000,
      });
    await welcome(ctx, identity);
  });
  router.get('/autre', async (ctx) => {
    ctx.cookies.set(REMEMBER_COOKIE, null, { signed: true, httpOnly: true });
    const { interaction } = await details(ctx);
    ctx.redirect(`/interaction/${interaction.uid}`);
  });
  router.post('/continuer', parseForm, async (ctx) => {
    csrf.checkForm(ctx);
    const identity = findDemoIdentity(textField(ctx.request.body, 'identite', 64));
    if (!identity) return choice(ctx, 'Choisissez une identité.');
    await finish(ctx, {
      login: { accountId: identity.id, acr: behaviour.acr, amr: ['pwd'], remember: true },
    });
  });
  router.post('/abandon', parseForm, async (ctx) => {
    csrf.checkForm(ctx);
    await finish(ctx, { error: 'access_denied', error_description: "L'utilisateur a annulé la connexion" });
  });
  return router;
}
