import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase, openSharedDatabase, subscribe } from '../../src/db/database.js';
import { addClient, clientSecretBox, removeClient } from '../../src/oidc/clients.js';
import { pgliteTemplate, TMP } from '../helpers/paths.js';

/** Whether `promise` is still pending after other work has had `ms` to run. */
async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await new Promise((resolve) => setTimeout(resolve, ms));
  return !settled;
}

/**
 * The embedded database is one PostgreSQL session shared by the server and the clients of its socket
 * (CLI, psql): neither may ever run a statement inside the other's transaction.
 */
describe('the embedded database served to other processes', () => {
  const dataDir = join(TMP, `embedded-session-${process.pid}-${randomBytes(4).toString('hex')}`);
  let server: Db;
  let client: Db;

  const labels = async () =>
    (await sql<{ label: string }>`select label from lock_probe order by label`.execute(server)).rows.map(
      (r) => r.label,
    );

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    cpSync(join(pgliteTemplate(), 'pglite'), join(dataDir, 'pglite'), { recursive: true });
    server = await openDatabase({ databaseUrl: undefined, dataDir, role: 'server' });
    await sql`create table lock_probe (label text not null)`.execute(server);
    client = await openSharedDatabase({ databaseUrl: undefined, dataDir });
  });
  afterAll(async () => {
    await client?.destroy();
    await server?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the server’s statements out of a socket client’s transaction', async () => {
    await sql`delete from lock_probe`.execute(server);
    let serverWrite: Promise<unknown> | undefined;
    await client
      .transaction()
      .execute(async (tx) => {
        await sql`insert into lock_probe values ('socket')`.execute(tx);
        serverWrite = sql`insert into lock_probe values ('server')`.execute(server);
        expect(await pendingAfter(serverWrite, 300)).toBe(true);
        throw new Error('roll back');
      })
      .catch(() => {});
    await serverWrite;
    // Had the server's insert run inside the socket transaction, the rollback would have taken it too.
    expect(await labels()).toEqual(['server']);
  });

  it('keeps a socket client’s statements out of the server’s transaction', async () => {
    await sql`delete from lock_probe`.execute(server);
    let clientWrite: Promise<unknown> | undefined;
    await server
      .transaction()
      .execute(async (tx) => {
        await sql`insert into lock_probe values ('server')`.execute(tx);
        clientWrite = sql`insert into lock_probe values ('socket')`.execute(client);
        expect(await pendingAfter(clientWrite, 300)).toBe(true);
        throw new Error('roll back');
      })
      .catch(() => {});
    await clientWrite;
    expect(await labels()).toEqual(['socket']);
  });

  it('rolls back the transaction of a client that goes away, and lets the server go on', async () => {
    await sql`delete from lock_probe`.execute(server);
    const quitter = new pg.Client({ host: dataDir, port: 5432, user: 'postgres', database: 'postgres' });
    quitter.on('error', () => {});
    await quitter.connect();
    await quitter.query('begin');
    await quitter.query("insert into lock_probe values ('abandoned')");
    // The process dies mid-transaction: its socket closes without a word.
    (quitter as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await sql`insert into lock_probe values ('server')`.execute(server);
    expect(await labels()).toEqual(['server']);
  });

  it('tells the server at once about a client registered or removed through the socket', async () => {
    const heard: string[] = [];
    const stop = await subscribe(server, 'educonnect_clients', (id) => heard.push(id));
    const added = await addClient(
      client,
      { name: 'Service du socket', redirectUris: ['http://localhost:9876/cb'] },
      false,
      clientSecretBox('k'.repeat(40)),
    );
    expect(heard).toContain(added.client_id);
    heard.length = 0;
    await removeClient(client, added.client_id);
    expect(heard).toEqual([added.client_id]);
    await stop();
  });
});
