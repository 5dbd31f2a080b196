import { type AddressInfo, connect, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { TEST_JWKS } from '../helpers/paths.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

/**
 * Outside production /dev/outbox shows every SMS code: the development server must not be reachable
 * from the network by default. An address of this machine that is not 127.0.0.1: a network
 * interface's, else 127.0.0.2 (Linux routes all of 127/8 to the loopback interface).
 */
const otherAddress =
  Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address ?? '127.0.0.2';

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 5_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('the address the server listens on', () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of databases) await database.destroy();
  });

  async function start(env: Record<string, string>): Promise<ServerProcess> {
    const database = await createTestDatabase('pglite');
    databases.push(database);
    await database.release(); // the server process opens it
    return startServerProcess({
      NODE_ENV: 'development',
      DATA_DIR: database.dataDir,
      JWKS_FILE: TEST_JWKS,
      DEMO_DATA: 'false',
      HASH_WORKERS: '1',
      ...env,
    });
  }

  it('is the loopback interface by default outside production, so /dev/outbox stays on this machine', async () => {
    const server = await start({});
    try {
      const outbox = await fetch(`${server.origin}/dev/outbox`);
      expect(outbox.status).toBe(200);
      expect(await reachable('127.0.0.1', server.port)).toBe(true);
      expect(await reachable(otherAddress, server.port), `${otherAddress}:${server.port}`).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('is what the probe above can tell apart: a server on every interface is reachable there', async () => {
    // (HOST itself is read by loadConfig, see test/unit/config.test.ts)
    const control = createServer();
    await new Promise<void>((resolve) => control.listen(0, '0.0.0.0', resolve));
    try {
      const { port } = control.address() as AddressInfo;
      expect(await reachable(otherAddress, port), `${otherAddress}:${port}`).toBe(true);
    } finally {
      await new Promise((resolve) => control.close(resolve));
    }
  });
});
