import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TMP = join(ROOT, '.tmp');
export const PGLITE_TEMPLATE = join(TMP, 'pglite-template');
export const TEST_JWKS = join(TMP, 'test-jwks.json');
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const PG_TEMPLATE_DB = 'educonnect_test_template';

export function pgUrlFor(database: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}
