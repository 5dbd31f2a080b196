import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seedDemoData } from '../../src/demo/demo-data.js';
import { createFranceConnectDemo, type DemoBehaviour } from '../../src/demo/franceconnect/app.js';
import type { DatabaseKind } from './databases.js';
import { startTestIdp, type TestIdp } from './idp.js';

export interface TestFranceConnect {
  baseUrl: string;
  behaviour: DemoBehaviour;
  stop(): Promise<void>;
}

export interface FranceConnectStack {
  idp: TestIdp;
  fc: TestFranceConnect;
  stop(): Promise<void>;
}

/**
 * The identity provider on the demo data with the local FranceConnect as its FranceConnect, both over
 * HTTP: FranceConnect's port is known first (our FRANCECONNECT_ISSUER), then it registers our callback.
 */
export async function startFranceConnectStack(
  kind: DatabaseKind,
  env: Record<string, string> = {},
): Promise<FranceConnectStack> {
  let handler: ((req: never, res: never) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (handler) handler(req as never, res as never);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fcUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientSecret = randomBytes(24).toString('base64url');
  const idp = await startTestIdp(kind, {
    env: {
      FRANCECONNECT_ISSUER: fcUrl,
      FRANCECONNECT_CLIENT_ID: 'educonnect-test',
      FRANCECONNECT_CLIENT_SECRET: clientSecret,
      ...env,
    },
  });
  await seedDemoData(idp.database.db, idp.config, idp.idp.services.hasher);
  const demo = await createFranceConnectDemo({
    issuer: fcUrl,
    clients: [
      {
        clientId: 'educonnect-test',
        clientSecret,
        redirectUris: [`${idp.baseUrl}/franceconnect/callback`],
        postLogoutRedirectUris: [`${idp.baseUrl}/franceconnect/deconnexion`],
      },
    ],
  });
  handler = demo.app.callback() as never;
  const fc: TestFranceConnect = {
    baseUrl: fcUrl,
    behaviour: demo.behaviour,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return {
    idp,
    fc,
    async stop() {
      await idp.stop();
      await fc.stop();
    },
  };
}
