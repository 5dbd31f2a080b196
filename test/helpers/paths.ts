import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TMP = join(ROOT, '.tmp');
export const TEST_JWKS = join(TMP, 'test-jwks.json');
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Templates are per test run (named after the vitest main process id), so that several runs on one
 * machine never share or drop each other's databases.
 */
export function runId(): string {
  return process.env.EDUCONNECT_TEST_RUN ?? String(process.pid);
}
export const pgliteTemplate = () => join(TMP, `pglite-template-${runId()}`);
export const pgTemplateDb = () => `educonnect_tpl_${runId()}`;

export function pgUrlFor(database: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}
