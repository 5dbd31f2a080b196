import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seedDemoData } from '../../src/demo/demo-data.js';
import { createFranceConnectDemo, type DemoBehaviour } from '../../src/demo/franceconnect/app.js';
import type { DatabaseKind } from './databases.js';
import { type DemoStack, startDemoStack } from './demo-stack.js';
import { startTestIdp, type TestIdp } from './idp.js';

export interface TestFranceConnect {
  baseUrl: string;
  behaviour: DemoBehaviour;
  stop(): Promise<void>;
}

/**
 * The local FranceConnect on a free port, in two times: its address first (our FRANCECONNECT_*
 * variables), then, once the identity provider's address is known, the app with our callback registered.
 */
async function listenFranceConnect() {
  let handler: ((req: never, res: never) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (handler) handler(req as never, res as never);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientSecret = randomBytes(24).toString('base64url');
  return {
    env: {
      FRANCECONNECT_ISSUER: baseUrl,
      FRANCECONNECT_CLIENT_ID: 'educonnect-test',
      FRANCECONNECT_CLIENT_SECRET: clientSecret,
    },
    async serve(idpBaseUrl: string): Promise<TestFranceConnect> {
      const demo = await createFranceConnectDemo({
        issuer: baseUrl,
        clients: [
          {
            clientId: 'educonnect-test',
            clientSecret,
            redirectUris: [`${idpBaseUrl}/franceconnect/callback`],
            postLogoutRedirectUris: [`${idpBaseUrl}/franceconnect/deconnexion`],
          },
        ],
      });
      handler = demo.app.callback() as never;
      return {
        baseUrl,
        behaviour: demo.behaviour,
        async stop() {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
  };
}

export interface FranceConnectStack {
  idp: TestIdp;
  fc: TestFranceConnect;
  stop(): Promise<void>;
}

/** The identity provider on the demo data with the local FranceConnect as its FranceConnect. */
export async function startFranceConnectStack(kind: DatabaseKind): Promise<FranceConnectStack> {
  const listener = await listenFranceConnect();
  const idp = await startTestIdp(kind, { env: listener.env });
  await seedDemoData(idp.database.db, idp.config, idp.idp.services.hasher);
  const fc = await listener.serve(idp.baseUrl);
  return {
    idp,
    fc,
    async stop() {
      await idp.stop();
      await fc.stop();
    },
  };
}

/** `npm start` in a test: the IdP, the demo ENT and the local FranceConnect. */
export async function startDemoStackWithFranceConnect(
  kind: DatabaseKind = 'pglite',
): Promise<DemoStack & { fc: TestFranceConnect }> {
  const listener = await listenFranceConnect();
  const stack = await startDemoStack(kind, listener.env);
  const fc = await listener.serve(stack.idp.baseUrl);
  return {
    ...stack,
    fc,
    async stop() {
      await stack.stop();
      await fc.stop();
    },
  };
}
