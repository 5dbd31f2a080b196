import type Router from '@koa/router';
import type { Services } from '../services.js';
import { emailConfirmationRoutes } from './email-link.js';

/** « Mon compte » and its public pages (the email confirmation link). */
export function accountRouters(services: Services): Router[] {
  return [emailConfirmationRoutes(services)];
}
