import type { PGlite } from '@electric-sql/pglite';

/**
 * PGlite is one PostgreSQL session. Whoever uses it — a kysely transaction of the server, or a client
 * connected through the socket (CLI, psql) — holds this lock for a whole transaction or protocol
 * sequence, so that nothing of anyone else runs inside it. FIFO, so nobody starves.
 */
export class SessionLock {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves once the session is ours; call the returned function exactly once to hand it on. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.tail;
    this.tail = previous.then(() => held);
    return previous.then(() => release);
  }
}

type NotificationListener = (channel: string, payload: string) => void;

/** The embedded database with the lock that serialises its users, and its notification fan-out. */
export class EmbeddedSession {
  readonly lock = new SessionLock();
  private readonly listeners = new Map<string, Set<NotificationListener>>();

  constructor(readonly pglite: PGlite) {}

  /** Runs `work` while holding the session (for statements issued outside kysely). */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.lock.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /**
   * LISTEN on the shared session. Notifications raised by the server's own statements come through
   * PGlite's listener; those raised by a socket client's statements arrive in that client's output and
   * are handed over by the socket server (`dispatch`).
   */
  async listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    if (!set) {
      const created = new Set<NotificationListener>();
      this.listeners.set(channel, created);
      set = created;
      await this.exclusive(() => this.pglite.listen(channel, (payload) => this.dispatch(channel, payload)));
    }
    set.add(listener);
    return async () => {
      set.delete(listener);
    };
  }

  dispatch(channel: string, payload: string): void {
    for (const listener of this.listeners.get(channel) ?? []) listener(channel, payload);
  }
}
