import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

const COOKIE = 'ec_csrf';

/**
 * Double-submit CSRF protection: a random httpOnly cookie, and in each form an HMAC of it (keyed by a
 * server secret), so a token cannot be forged without both the cookie and the secret.
 */
export class Csrf {
  constructor(private readonly secret: Buffer) {}

  private sign(value: string): string {
    return createHmac('sha256', this.secret).update(value).digest('base64url');
  }

  /** The token for the forms of this response (sets the cookie on first use). */
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
      ctx.state.csrfCookie = value;
    }
    return this.sign(value);
  }

  verify(ctx: Context, token: unknown): boolean {
    const value = ctx.cookies.get(COOKIE);
    if (!value || typeof token !== 'string' || token.length > 100) return false;
    const expected = Buffer.from(this.sign(value));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
