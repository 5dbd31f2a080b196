import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { Config, FranceConnectSettings } from '../../config/config.js';
import { listen } from '../../http/listen.js';
import { createFranceConnectDemo } from './app.js';

export const FC_DEMO_CLIENT_ID = 'educonnect-demo';

/** `npm start` without FRANCECONNECT_*: the local FranceConnect, with a client secret derived from SECRET_KEY. */
export function demoFranceConnectSettings(
  config: Pick<Config, 'fcDemoPort' | 'secretKey'>,
): FranceConnectSettings {
  return {
    issuer: `http://localhost:${config.fcDemoPort}`,
    clientId: FC_DEMO_CLIENT_ID,
    clientSecret: createHmac('sha256', config.secretKey)
      .update('demo-franceconnect-client')
      .digest('base64url'),
  };
}

/** The local FranceConnect on FC_DEMO_PORT, our identity provider registered as its only service. */
export async function startFranceConnectDemo(config: Config, logger: Logger, host?: string): Promise<Server> {
  const settings = config.franceConnect ?? demoFranceConnectSettings(config);
  const demo = await createFranceConnectDemo({
    issuer: settings.issuer,
    clients: [
      {
        clientId: settings.clientId,
        clientSecret: settings.clientSecret,
        redirectUris: [`${config.issuer}/franceconnect/callback`],
        postLogoutRedirectUris: [`${config.issuer}/franceconnect/deconnexion`],
      },
    ],
  });
  const server = createServer(demo.app.callback());
  await listen(server, config.fcDemoPort, 'FC_DEMO_PORT', host);
  logger.info({ url: settings.issuer }, 'local FranceConnect ready');
  return server;
}
