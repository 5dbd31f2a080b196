import type { Logger } from 'pino';
import type { ActivationDeps } from './activation/activation.js';
import { bindingRoutes, bindingStep } from './activation/binding.js';
import { activationRoutes } from './activation/routes.js';
import { createIdentityProvider, createLogger, type IdentityProvider } from './app.js';
import { AuditLog } from './audit/audit-log.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import { devOutboxRoutes } from './messaging/dev-routes.js';
import { OutboxDispatcher } from './messaging/dispatcher.js';
import { messageBox } from './messaging/outbox.js';
import { LogTransport, transportFor } from './messaging/transports.js';
import { clientSecretBox, sealLegacyClientSecrets } from './oidc/clients.js';
import { deriveSecret } from './secrets.js';

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
  const sealed = await sealLegacyClientSecrets(db, clientSecretBox(config.secretKey));
  if (sealed > 0) log.info({ sealed }, 'client secrets kept in clear by an earlier version sealed');
  const transport = transportFor(config, log);
  const box = messageBox(config.secretKey);
  const dispatcher = new OutboxDispatcher(db, box, transport, log, {
    maxAttempts: config.outboxMaxAttempts,
    retryBaseMs: config.outboxRetryBaseMs,
    pollMs: config.outboxPollMs,
  });
  const activation: ActivationDeps = {
    db,
    audit: new AuditLog(db, log),
    config,
    codeSecret: deriveSecret(config.secretKey, 'sms-code'),
    messageBox: box,
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
    routers: config.production
      ? []
      : [
          devOutboxRoutes({
            box,
            deliveredText:
              transport instanceof LogTransport ? (id) => transport.deliveredText(id) : undefined,
          }),
        ],
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
