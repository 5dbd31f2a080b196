import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths.js';
import { freePort } from './private-postgres.js';

export interface ServerProcess {
  origin: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote so far (pino JSON lines on stdout, crashes on stderr). */
  output(): string;
  /** Null while the process runs, then its exit code or signal. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
  /** SIGKILL now (a crash: no shutdown code runs); resolves once it has exited. */
  kill(): Promise<void>;
}

/**
 * Runs the real server (`src/main.ts`, what `npm start` runs) as a child process on a free port, and
 * waits until it answers. `env` is all the configuration it gets (plus PATH).
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: { port?: number; readyPath?: string } = {},
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(join(ROOT, 'node_modules/.bin/node'), ['--import', 'tsx', join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      DEMO_ENT: 'false',
      // the local FranceConnect's fixed port would collide between test servers
      FC_DEMO: 'false',
      LOG_LEVEL: 'warn',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  const origin = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    origin,
    port,
    child,
    output: () => output,
    exited: () => exit,
    async stop() {
      if (exit) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitedPromise;
      clearTimeout(timer);
    },
    async kill() {
      if (exit) return;
      child.kill('SIGKILL');
      await exitedPromise;
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exit) throw new Error(`the server exited during start-up:\n${output}`);
    try {
      const response = await fetch(`${origin}${options.readyPath ?? '/healthz'}`);
      await response.arrayBuffer();
      if (response.ok) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.kill();
      throw new Error(`the server did not answer within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
