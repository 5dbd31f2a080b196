import { createHash } from 'node:crypto';
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import type { Logger } from 'pino';
import { createElement } from 'preact';
import { DirectoryLoginPage, DirectoryMessagePage } from '../../../views/aten/directory-login.js';
import type { Db } from '../../db/database.js';
import type { PasswordHasher } from '../../domain/accounts/password-hasher.js';
import { takeHit } from '../../domain/rate-limits.js';
import { Csrf } from '../../http/csrf.js';
import { formParser, MalformedFormError, textField } from '../../http/form.js';
import { renderPage } from '../../http/render.js';
import { requestLog } from '../../http/request-log.js';
import { securityHeaders } from '../../http/security-headers.js';
import { staticFiles } from '../../http/static-files.js';
import { checkCredentials, issueTicket, purgeTickets, redeemTicket } from './directory.js';

/**
 * The demo ATEN directory: the académie's legacy login page (« VALIDER ») and the CAS 3.0 protocol
 * that ÉduConnect speaks to it, so that the ATEN password is typed on the directory's own page and
 * never reaches ÉduConnect. `/login?service=URL` -> a single-use ticket sent back to URL ->
 * `/p3/serviceValidate?service=URL&ticket=ST-…&format=JSON` gives the user and its FrEduVecteur.
 */
export interface AtenDirectoryOptions {
  db: Db;
  hasher: PasswordHasher;
  logger: Logger;
  /** Tickets are only sent to URLs starting with one of these (ÉduConnect's `/interaction/`). */
  servicePrefixes: string[];
  /** Key of the directory's CSRF tokens. */
  csrfSecret: Buffer;
  production?: boolean;
}

/** « L'identifiant ou le mot de passe est incorrect »: the same words as ÉduConnect's own login. */
export const DIRECTORY_FAILED_LOGIN = "L'identifiant ou le mot de passe est incorrect";
export const DIRECTORY_THROTTLED = 'Trop de tentatives de connexion. Réessayez dans quelques minutes.';

/** Failed or not, login attempts per identifier and per client address, per sliding 15 minutes. */
const ATTEMPTS_PER_LOGIN = { limit: 10, seconds: 15 * 60 };
const ATTEMPTS_PER_ADDRESS = { limit: 100, seconds: 15 * 60 };

const throttleKey = (kind: string, value: string) =>
  `aten-directory:${kind}:${createHash('sha256').update(value).digest('base64url')}`;

export interface AtenDirectory {
  app: Koa;
  close(): void;
}

export function createAtenDirectoryApp(options: AtenDirectoryOptions): AtenDirectory {
  const { db, hasher, logger, servicePrefixes } = options;
  const csrf = new Csrf(options.csrfSecret, 'aten_csrf');
  const allowed = (service: string) =>
    service.length <= 500 && servicePrefixes.some((prefix) => service.startsWith(prefix));
  const app = new Koa();
  app.silent = true;
  app.use(requestLog(logger));
  app.use(securityHeaders(Boolean(options.production)));
  app.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await next();
    } catch (error) {
      const err = error as Error & { status?: number };
      if (err.name === 'CsrfError')
        return message(ctx, 403, 'Formulaire expiré', 'Rechargez la page de connexion et recommencez.');
      if (err instanceof MalformedFormError || (err.status && err.status < 500))
        return message(
          ctx,
          400,
          'Demande invalide',
          'Le formulaire envoyé est invalide. Recommencez la connexion.',
        );
      logger.error({ err }, 'ATEN directory error');
      message(ctx, 500, 'Erreur technique', 'Une erreur technique est survenue. Réessayez plus tard.');
    }
  });
  app.use(staticFiles(['styles.css']));

  const router = new Router();
  const loginPage = (
    ctx: Context,
    service: string,
    props: { login?: string; message?: string; errors?: Record<string, string> } = {},
    status = 200,
  ) =>
    renderPage(ctx, createElement(DirectoryLoginPage, { csrf: csrf.token(ctx), service, ...props }), status);

  router.get('/login', (ctx) => {
    const service = typeof ctx.query.service === 'string' ? ctx.query.service : '';
    if (!allowed(service))
      return message(
        ctx,
        400,
        'Service non autorisé',
        "Ce service n'est pas autorisé à utiliser l'authentification ATEN.",
      );
    loginPage(ctx, service);
  });

  router.post('/login', formParser('8kb'), async (ctx) => {
    csrf.checkForm(ctx);
    const body = ctx.request.body;
    const service = textField(body, 'service', 500);
    if (!allowed(service))
      return message(
        ctx,
        400,
        'Service non autorisé',
        "Ce service n'est pas autorisé à utiliser l'authentification ATEN.",
      );
    const login = textField(body, 'identifiant', 64).trim().toLowerCase();
    const password = textField(body, 'mot_de_passe', 128);
    const errors: Record<string, string> = {};
    if (!login) errors.identifiant = 'Saisissez votre identifiant ATEN.';
    if (!password) errors.mot_de_passe = 'Saisissez votre mot de passe ATEN.';
    if (Object.keys(errors).length > 0)
      return loginPage(ctx, service, { login, message: 'Le formulaire contient des erreurs.', errors }, 400);
    for (const [key, window] of [
      [throttleKey('login', login), ATTEMPTS_PER_LOGIN],
      [throttleKey('ip', ctx.ip), ATTEMPTS_PER_ADDRESS],
    ] as const) {
      const hit = await takeHit(db, key, window);
      if (!hit.taken) {
        ctx.set('Retry-After', String(hit.retryAfterSeconds));
        return loginPage(ctx, service, { login, message: DIRECTORY_THROTTLED }, 429);
      }
    }
    const account = await checkCredentials(db, hasher, login, password);
    if (!account) return loginPage(ctx, service, { login, message: DIRECTORY_FAILED_LOGIN }, 401);
    const ticket = await issueTicket(db, account.login, service);
    const target = new URL(service);
    target.searchParams.set('ticket', ticket);
    ctx.status = 303;
    ctx.redirect(target.href);
  });

  // CAS 3.0 ticket validation, in its JSON form (what ÉduConnect asks for).
  router.get('/p3/serviceValidate', async (ctx) => {
    const service = typeof ctx.query.service === 'string' ? ctx.query.service : '';
    const ticket = typeof ctx.query.ticket === 'string' ? ctx.query.ticket : '';
    ctx.type = 'application/json';
    if (!service || !ticket || ticket.length > 200) {
      ctx.status = 400;
      ctx.body = failure('INVALID_REQUEST', 'service and ticket are required');
      return;
    }
    const account = await redeemTicket(db, ticket, service);
    if (!account) {
      ctx.body = failure('INVALID_TICKET', 'ticket not recognized');
      return;
    }
    ctx.body = {
      serviceResponse: {
        authenticationSuccess: {
          user: account.login,
          attributes: {
            FrEduVecteur: account.vectors,
            sn: [account.familyName],
            givenName: [account.givenName],
          },
        },
      },
    };
  });
  router.get('/', (ctx) =>
    message(
      ctx,
      200,
      'Portail ATEN',
      "Ouvrez la connexion ATEN depuis votre ENT : « Je n'ai pas de compte Educonnect ».",
    ),
  );

  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use(async (ctx) => message(ctx, 404, 'Page introuvable', "Cette page n'existe pas."));
  const timer = setInterval(() => void purgeTickets(db).catch(() => undefined), 10 * 60 * 1000);
  timer.unref();
  return { app, close: () => clearInterval(timer) };
}

function message(ctx: Context, status: number, title: string, text: string): void {
  renderPage(ctx, createElement(DirectoryMessagePage, { title, text }), status);
}

function failure(code: string, description: string) {
  return { serviceResponse: { authenticationFailure: { code, description } } };
}
