import type { Logger } from 'pino';
import { createIdentityProvider, createLogger, type IdentityProvider } from './compose.js';
import type { Config } from './config/config.js';
import type { Db } from './db/database.js';
import { AuditLog } from './domain/audit/audit-log.js';
import { deriveSecret } from './domain/secrets.js';
import type { ActivationDeps } from './flows/activation/activation.js';
import { activationRoutes } from './flows/activation/routes.js';
import { bindingRoutes, bindingStep } from './flows/pupil-binding/binding.js';
import { devOutboxRoutes } from './messaging/dev-routes.js';
import { OutboxDispatcher } from './messaging/dispatcher.js';
import { transportFor } from './messaging/transports.js';

/**
 * The whole identity provider with every user flow plugged in: what `npm start` runs and what the
 * integration tests start.
 */
export async function buildIdentityProvider(
  config: Config,
  db: Db,
  logger?: Logger,
): Promise<IdentityProvider> {
  const log = logger ?? createLogger(config);
  const dispatcher = new OutboxDispatcher(db, transportFor(config, log), log, {
    maxAttempts: config.outboxMaxAttempts,
    retryBaseMs: config.outboxRetryBaseMs,
    pollMs: config.outboxPollMs,
  });
  const activation: ActivationDeps = {
    db,
    audit: new AuditLog(db, log),
    config,
    codeSecret: deriveSecret(config.secretKey, 'sms-code'),
    messageQueued: () => dispatcher.wake(),
  };
  const idp = await createIdentityProvider(config, db, {
    logger: log,
    interaction: {
      extraSteps: [bindingStep(db)],
      loginLinks: (uid, profile) =>
        profile === 'responsable_legal'
          ? [{ href: `/interaction/${uid}/activation`, label: "Je n'ai pas de compte" }]
          : [],
      extend(router, tools) {
        activationRoutes(router, tools, activation);
        bindingRoutes(router, tools);
      },
    },
    routers: config.production ? [] : [devOutboxRoutes],
  });
  dispatcher.start();
  return {
    ...idp,
    async close() {
      await dispatcher.stop();
      await idp.close();
    },
  };
}
