import { chmodSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddedSession } from './pglite-session.js';

/** psql's default: `psql -h <DATA_DIR>` finds `.s.PGSQL.5432` there. */
export const SOCKET_PORT = 5432;
/** A client idle this long while it holds the session (open transaction) is rolled back and dropped. */
export const IDLE_HOLDER_TIMEOUT_MS = 15_000;

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
// Extended-protocol messages that belong to a sequence ended by Sync: the session stays held between them.
const IN_SEQUENCE = new Set(['P', 'B', 'D', 'E', 'C', 'H']);
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

/**
 * Serves the embedded database to other local processes (the CLI, psql) over the PostgreSQL wire
 * protocol on a Unix socket readable only by its owner. PGlite is one session, so each client
 * takes the session lock for a whole transaction or extended-protocol sequence — the same lock the
 * server's own kysely queries take — and nothing else runs inside it.
 *
 * Not @electric-sql/pglite-socket: its multiplexer runs each protocol message on its own, so two
 * clients interleave their Parse/Bind/Execute sequences and the server's in-process queries can slip
 * into a socket client's transaction; it also pins an older PGlite with seven extension peers.
 */
export class PGliteSocketServer {
  private server: Server | undefined;
  private readonly connections = new Set<Connection>();
  private ownedDir: string | undefined;
  socketDir = '';

  constructor(
    private readonly session: EmbeddedSession,
    private readonly onError: (error: Error) => void = () => {},
  ) {}

  /** Listens in `dataDir` (or a private temporary directory when that path is too long for a socket). */
  async start(dataDir: string): Promise<{ socketDir: string; socketPort: number }> {
    this.socketDir = dataDir;
    if (join(dataDir, `.s.PGSQL.${SOCKET_PORT}`).length > 100) {
      this.ownedDir = mkdtempSync(join(tmpdir(), 'educonnect-'));
      this.socketDir = this.ownedDir;
    }
    const path = join(this.socketDir, `.s.PGSQL.${SOCKET_PORT}`);
    try {
      unlinkSync(path); // left by a server that crashed; we hold the data directory's lock
    } catch {
      // none
    }
    const server = createServer((socket) => this.accept(socket));
    server.on('error', this.onError);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    chmodSync(path, 0o600);
    this.server = server;
    return { socketDir: this.socketDir, socketPort: SOCKET_PORT };
  }

  private accept(socket: Socket) {
    const connection = new Connection(socket, this.session, this.onError, () => {
      this.connections.delete(connection);
      if (this.connections.size === 0) void this.forgetClientState();
    });
    this.connections.add(connection);
  }

  /** Statements a client prepared by name would collide with the next client's: drop them. */
  private async forgetClientState() {
    try {
      await this.session.exclusive(() => this.session.pglite.exec('deallocate all'));
    } catch (error) {
      this.onError(error as Error);
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await Promise.all([...this.connections].map((connection) => connection.close()));
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (this.ownedDir) rmSync(this.ownedDir, { recursive: true, force: true });
  }
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private release: (() => void) | undefined;
  private queue: Promise<void> = Promise.resolve();
  private idle: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly finished: Promise<void>;

  constructor(
    private readonly socket: Socket,
    private readonly session: EmbeddedSession,
    private readonly onError: (error: Error) => void,
    onClosed: () => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (data) => this.receive(data));
    socket.on('error', () => socket.destroy());
    this.finished = new Promise((resolve) => {
      socket.on('close', () => {
        this.closed = true;
        clearTimeout(this.idle);
        // After whatever is already queued: give the session back clean.
        this.queue = this.queue
          .then(() => this.giveBack())
          .finally(() => {
            onClosed();
            resolve();
          });
      });
    });
  }

  async close() {
    this.socket.destroy();
    await this.finished;
  }

  private receive(data: Buffer) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    for (;;) {
      const message = this.nextMessage();
      if (!message) return;
      this.queue = this.queue.then(() => this.handle(message));
    }
  }

  /** Cuts one whole message off the buffer: untyped during start-up, typed afterwards. */
  private nextMessage(): Buffer | undefined {
    if (!this.started) {
      if (this.buffer.length < 8) return undefined;
      const length = this.buffer.readInt32BE(0);
      if (length < 8 || length > 10_000) {
        this.socket.destroy();
        return undefined;
      }
      if (this.buffer.length < length) return undefined;
      const message = this.buffer.subarray(0, length);
      this.buffer = this.buffer.subarray(length);
      return message;
    }
    if (this.buffer.length < 5) return undefined;
    const length = 1 + this.buffer.readInt32BE(1);
    if (length < 5) {
      this.socket.destroy();
      return undefined;
    }
    if (this.buffer.length < length) return undefined;
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    return message;
  }

  private async handle(message: Buffer) {
    if (this.closed) return;
    if (!this.started) {
      const code = message.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSS_REQUEST) {
        this.socket.write('N'); // no encryption on a local socket; the client goes on in clear
        return;
      }
      if (code === CANCEL_REQUEST) {
        this.socket.destroy(); // PGlite has no backend to signal
        return;
      }
      this.started = true;
    } else if (message[0] === 0x58) {
      this.socket.end(); // Terminate: never forwarded, the shared session lives on
      return;
    }
    await this.run(message);
  }

  private async run(message: Buffer) {
    clearTimeout(this.idle);
    if (!this.release) this.release = await this.session.lock.acquire();
    const { pglite } = this.session;
    const output: Buffer[] = [];
    try {
      await pglite.runExclusive(() =>
        pglite.execProtocolRawStream(new Uint8Array(message), {
          onRawData: (data) => output.push(Buffer.from(data)),
        }),
      );
    } catch (error) {
      this.onError(error as Error);
      this.socket.destroy();
      return;
    }
    const response = Buffer.concat(output);
    this.dispatchNotifications(response);
    if (!this.closed && response.length > 0) this.socket.write(response);
    const type = String.fromCharCode(message[0] ?? 0);
    if (IN_SEQUENCE.has(type) || pglite.isInTransaction()) {
      this.idle = setTimeout(() => this.socket.destroy(), IDLE_HOLDER_TIMEOUT_MS);
      this.idle.unref();
    } else {
      this.handOn();
    }
  }

  /** NOTIFY raised by this client's statements reach the server's listeners (cache invalidation). */
  private dispatchNotifications(response: Buffer) {
    for (let offset = 0; offset + 5 <= response.length; ) {
      const length = response.readInt32BE(offset + 1);
      if (response[offset] === 0x41 && offset + 1 + length <= response.length) {
        const body = response.subarray(offset + 9, offset + 1 + length);
        const [channel = '', payload = ''] = body.toString('utf8').split('\0');
        this.session.dispatch(channel, payload);
      }
      offset += 1 + length;
    }
  }

  /** A client gone while holding the session: end its sequence, roll back its transaction. */
  private async giveBack() {
    if (!this.release) return;
    const { pglite } = this.session;
    try {
      await pglite.runExclusive(() =>
        pglite.execProtocolRawStream(new Uint8Array(SYNC), { onRawData: () => {} }),
      );
      if (pglite.isInTransaction()) await pglite.exec('rollback');
    } catch (error) {
      this.onError(error as Error);
    }
    this.handOn();
  }

  private handOn() {
    const release = this.release;
    this.release = undefined;
    release?.();
  }
}
