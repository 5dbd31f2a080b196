import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries of the machine (Debian layout), or undefined. */
export function postgresBinaries(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')) && existsSync(join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no free port');
  return address.port;
}

function uidGid(user: string): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * A throw-away PostgreSQL cluster of this test alone (its own data directory in /tmp, its own port
 * and socket directory), so that a test can stop and start "the database server" under a running
 * identity provider without touching the shared server on 5432. PostgreSQL refuses to run as root:
 * as root the cluster belongs to the `postgres` OS user.
 */
export class PrivatePostgres {
  private running = false;

  private constructor(
    private readonly bin: string,
    readonly directory: string,
    readonly port: number,
    private readonly asUser: string[],
  ) {}

  static async create(bin: string): Promise<PrivatePostgres> {
    const directory = mkdtempSync(join(tmpdir(), 'educonnect-pg-'));
    const asUser: string[] = [];
    if (process.getuid?.() === 0) {
      const owner = uidGid('postgres');
      if (!owner) throw new Error('running as root needs a postgres OS user to own the cluster');
      chownSync(directory, owner.uid, owner.gid);
      asUser.push('runuser', '-u', 'postgres', '--');
    }
    const cluster = new PrivatePostgres(bin, directory, await freePort(), asUser);
    await cluster.exec('initdb', [
      '-D',
      cluster.dataDir,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    return cluster;
  }

  private get dataDir() {
    return join(this.directory, 'data');
  }

  private async exec(tool: string, args: string[]) {
    const [command, ...prefix] = [...this.asUser, join(this.bin, tool)];
    try {
      return await run(command!, [...prefix, ...args], { timeout: 60_000 });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`${tool} ${args.join(' ')} failed: ${stderr || stdout || (error as Error).message}`);
    }
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-k ${this.directory}`,
      '-c listen_addresses=127.0.0.1',
      '-c max_connections=40',
      '-c shared_buffers=16MB',
      '-c fsync=off',
      '-c full_page_writes=off',
    ].join(' ');
    await this.exec('pg_ctl', [
      '-D',
      this.dataDir,
      '-o',
      options,
      '-l',
      join(this.directory, 'log'),
      '-w',
      'start',
    ]);
    this.running = true;
  }

  /** Stops the server: `fast` ends every session with 57P01, `immediate` drops them like a crash. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
    this.running = false;
  }

  /** Starts the server again if a failed test left it stopped. */
  async ensureRunning(): Promise<void> {
    if (!this.running) await this.start();
  }

  /** Stops the server if it runs and removes its files. */
  async destroy(): Promise<void> {
    if (this.running) await this.stop('immediate').catch(() => undefined);
    rmSync(this.directory, { recursive: true, force: true });
  }
}
