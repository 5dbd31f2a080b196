import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** OWASP / domain.md minimum for argon2id. Stored hashes with weaker parameters are rehashed at login. */
export const ARGON2_PARAMS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export class HasherOverloadedError extends Error {
  constructor() {
    super('password hashing queue is full');
    this.name = 'HasherOverloadedError';
  }
}

interface Task {
  id: number;
  op: 'hash' | 'verify';
  password: string;
  hash?: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  busy: Task | undefined;
}

/**
 * A bounded pool of worker threads doing argon2id. Tasks wait in a queue of at most `queueLimit`;
 * beyond that `HasherOverloadedError` is thrown at once so that callers can shed load (HTTP 503).
 */
export class PasswordHasher {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private dummyHash: Promise<string> | undefined;

  constructor(
    size: number = availableParallelism(),
    private readonly queueLimit = 64,
  ) {
    const url = new URL('./hash-worker.mjs', import.meta.url);
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = new Worker(url);
      const slot: PoolWorker = { worker, busy: undefined };
      worker.on('message', (message: { id: number; result?: unknown; error?: string }) => {
        const task = slot.busy;
        slot.busy = undefined;
        if (task) {
          if (message.error !== undefined) task.reject(new Error(message.error));
          else task.resolve(message.result);
        }
        this.dispatch();
      });
      worker.unref();
      this.workers.push(slot);
    }
  }

  /** Tasks waiting for a worker (not counting those running). */
  get pending(): number {
    return this.queue.length;
  }

  /** True while the queue is full: a new hash request would be refused. */
  get saturated(): boolean {
    return this.queue.length >= this.queueLimit;
  }

  private submit<T>(op: Task['op'], password: string, hash?: string): Promise<T> {
    if (this.queue.length >= this.queueLimit) return Promise.reject(new HasherOverloadedError());
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        op,
        password,
        hash,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.dispatch();
    });
  }

  private dispatch() {
    for (const slot of this.workers) {
      if (slot.busy) continue;
      const task = this.queue.shift();
      if (!task) return;
      slot.busy = task;
      slot.worker.postMessage({
        id: task.id,
        op: task.op,
        password: task.password,
        hash: task.hash,
        ...ARGON2_PARAMS,
      });
    }
  }

  hash(password: string): Promise<string> {
    return this.submit<string>('hash', password);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await this.submit<boolean>('verify', password, hash);
    } catch (error) {
      if (error instanceof HasherOverloadedError) throw error;
      return false; // a malformed stored hash never authenticates
    }
  }

  /** Spends the same work as a real verify, so that unknown identifiers answer in the same time. */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash(randomBytes(16).toString('hex'));
    await this.verify(await this.dummyHash, password);
    return false;
  }

  async close() {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    for (const task of this.queue.splice(0)) task.reject(new Error('hasher closed'));
  }
}

/** True when a stored PHC string was made with other parameters than today's. */
export function needsRehash(hash: string): boolean {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hash);
  if (!match) return true;
  const [, m, t, p] = match.map(Number);
  return m !== ARGON2_PARAMS.memoryCost || t !== ARGON2_PARAMS.timeCost || p !== ARGON2_PARAMS.parallelism;
}
