import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';

const publicDir = fileURLToPath(new URL('../../public/', import.meta.url));
const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  ico: 'image/x-icon',
};

/**
 * Serves the few files of public/ from memory under /static/, with an ETag; `favicon.ico` at
 * /favicon.ico, where browsers ask for it (a 404 page there would be fetched on every visit).
 */
export function staticFiles(names: string[]): Middleware {
  const files = new Map(
    names.map((name) => {
      const body = readFileSync(`${publicDir}${name}`);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
      return [
        name === 'favicon.ico' ? '/favicon.ico' : `/static/${name}`,
        { body, etag, type: TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream' },
      ];
    }),
  );
  return async (ctx, next) => {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? files.get(ctx.path) : undefined;
    if (!file) return next();
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.set('ETag', file.etag);
    if (ctx.get('If-None-Match') === file.etag) {
      ctx.status = 304;
      return;
    }
    ctx.type = file.type;
    ctx.body = file.body;
  };
}
