import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/** Who holds the embedded database: the server (which then serves it on a socket) or a CLI process. */
export type LockRole = 'server' | 'cli';

export interface LockOwner {
  pid: number;
  role: LockRole;
  /** Process start time (Linux clock ticks since boot), to tell a reused PID from the real owner. */
  started?: string;
  /** Unix socket directory of a serving server (psql's `-h`), once it listens. */
  socketDir?: string;
  socketPort?: number;
}

export const LOCK_FILE = 'educonnect.lock';

/** Lock files this process holds (a second open from the same process is refused, not taken over). */
const heldHere = new Set<string>();

/** The embedded database is held by another live process; the message is for the operator (French). */
export class DataDirLockedError extends Error {
  constructor(
    readonly owner: LockOwner,
    dataDir: string,
  ) {
    super(
      owner.role === 'server'
        ? `Un serveur ÉduConnect (processus ${owner.pid}) utilise déjà la base embarquée de ${dataDir}. ` +
            'Arrêtez-le, ou donnez un autre DATA_DIR à ce serveur.'
        : `La base embarquée de ${dataDir} est utilisée par une commande educonnect (processus ${owner.pid}). ` +
            'Attendez qu’elle se termine, puis recommencez.',
    );
    this.name = 'DataDirLockedError';
  }
}

/** Start time of a process from /proc (Linux); undefined elsewhere or when the process is gone. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted after the command name, which may itself contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function isAlive(owner: LockOwner, file: string): boolean {
  // After a container restart the new process may get the dead owner's PID (often 1): unless this
  // process took the lock itself, a lock bearing our own PID is a dead predecessor's.
  if (owner.pid === process.pid) return heldHere.has(file);
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const started = processStart(owner.pid);
  return !(owner.started && started && started !== owner.started);
}

/** The live owner of the lock of `dataDir`, or undefined when nobody (alive) holds it. */
export function readLockOwner(dataDir: string): LockOwner | undefined {
  const file = join(dataDir, LOCK_FILE);
  let owner: LockOwner;
  try {
    owner = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
  return Number.isInteger(owner.pid) && isAlive(owner, file) ? owner : undefined;
}

/**
 * Exclusive ownership of a data directory through a lock file holding the owner's PID. A lock left by a
 * dead process (crash, kill -9, container restart) is taken over. Exactly one process at a time opens
 * the embedded database; the others connect to the server's socket (see `pglite-socket-server.ts`).
 */
export class DataDirLock {
  private released = false;
  private readonly onExit = () => this.releaseSync();

  private constructor(
    private readonly file: string,
    private owner: LockOwner,
  ) {
    heldHere.add(file);
    process.once('exit', this.onExit);
  }

  /** Takes the lock, or throws DataDirLockedError naming the live owner. */
  static acquire(dataDir: string, role: LockRole): DataDirLock {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = join(dataDir, LOCK_FILE);
    const owner: LockOwner = { pid: process.pid, role, started: processStart(process.pid) };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        writeSync(fd, JSON.stringify(owner));
        closeSync(fd);
        return new DataDirLock(file, owner);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = readLockOwner(dataDir);
      if (current) throw new DataDirLockedError(current, dataDir);
      // Stale (or unreadable, half-written by a crash): remove it and try again. Two processes racing
      // here both unlink, then only one of them wins the exclusive create above.
      try {
        unlinkSync(file);
      } catch {
        // already removed by the other racer
      }
    }
    const current = readLockOwner(dataDir);
    throw new DataDirLockedError(current ?? { pid: 0, role: 'server' }, dataDir);
  }

  /** Takes the lock, waiting up to `timeoutMs` while a CLI process holds it; a server's lock fails at once. */
  static async acquireWaiting(
    dataDir: string,
    role: LockRole,
    timeoutMs: number,
    onWait?: (owner: LockOwner) => void,
  ): Promise<DataDirLock> {
    const deadline = Date.now() + timeoutMs;
    let told = false;
    for (;;) {
      try {
        return DataDirLock.acquire(dataDir, role);
      } catch (error) {
        if (!(error instanceof DataDirLockedError) || error.owner.role === 'server' || Date.now() > deadline)
          throw error;
        if (!told) onWait?.(error.owner);
        told = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Records where the server serves the database, for the CLI and psql. Atomic (rename). */
  announceSocket(socketDir: string, socketPort: number): void {
    this.owner = { ...this.owner, socketDir, socketPort };
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.owner), { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  releaseSync(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.file);
    process.removeListener('exit', this.onExit);
    try {
      const current = JSON.parse(readFileSync(this.file, 'utf8')) as LockOwner;
      if (current.pid === process.pid) unlinkSync(this.file);
    } catch {
      // gone already
    }
  }
}
