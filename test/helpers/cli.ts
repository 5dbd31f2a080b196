import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TestDatabase } from './databases.js';
import { ROOT } from './paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: () => Record<string, unknown>;
}

/**
 * Tests that run several CLI processes in a row: each starts Node, tsx and (on PGlite) the embedded
 * database, a few seconds apiece on a busy 2-core machine. A budget, not a performance assertion.
 */
export const CLI_PROCESS_TIMEOUT_MS = 180_000;

/** Runs `educonnect …` exactly as an operator would (bin script, real process, real database). */
export function educonnect(
  database: Pick<TestDatabase, 'dataDir' | 'databaseUrl'>,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(join(ROOT, 'node_modules/.bin/node'), [join(ROOT, 'bin/educonnect.js'), ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATA_DIR: database.dataDir,
        SECRET_KEY: 's'.repeat(40),
        COOKIE_KEYS: 'c'.repeat(40),
        ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
        ...extraEnv,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout, stderr, json: () => JSON.parse(stdout) }),
    );
  });
}
