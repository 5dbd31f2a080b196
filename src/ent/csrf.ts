import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

const COOKIE = 'ent_csrf';

export class EntCsrfError extends Error {
  readonly status = 403;
  constructor() {
    super('invalid CSRF token');
    this.name = 'EntCsrfError';
  }
}

/**
 * Double-submit CSRF tokens for the ENT's forms (login, establishment choice, logout): a random
 * httpOnly cookie, and in each form its HMAC under a server key. Its own cookie name, because cookies
 * ignore ports and the IdP may live on the same host.
 */
export class EntCsrf {
  constructor(private readonly secret: Buffer) {}

  private sign(value: string): string {
    return createHmac('sha256', this.secret).update(value).digest('base64url');
  }

  token(ctx: Context): string {
    let value = ctx.cookies.get(COOKIE);
    if (!value || !/^[A-Za-z0-9_-]{22,64}$/.test(value)) {
      value = randomBytes(18).toString('base64url');
      ctx.cookies.set(COOKIE, value, {
        httpOnly: true,
        sameSite: 'lax',
        secure: ctx.secure,
        overwrite: true,
      });
    }
    return this.sign(value);
  }

  check(ctx: Context, token: unknown): void {
    const value = ctx.cookies.get(COOKIE);
    if (!value || typeof token !== 'string' || token.length > 100) throw new EntCsrfError();
    const expected = Buffer.from(this.sign(value));
    const given = Buffer.from(token);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new EntCsrfError();
  }
}
