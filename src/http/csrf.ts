import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

/**
 * Double-submit CSRF protection: a random httpOnly cookie, and in each form an HMAC of it (keyed by a
 * server secret), so a token cannot be forged without both the cookie and the secret.
 */
export class CsrfError extends Error {
  readonly status = 403;
  constructor() {
    super('invalid CSRF token');
    this.name = 'CsrfError';
  }
}

export class Csrf {
  /** Each site has its own cookie name: cookies ignore ports, and the IdP and an ENT may share a host. */
  constructor(
    private readonly secret: Buffer,
    private readonly cookie = 'ec_csrf',
  ) {}

  private sign(value: string): string {
    return createHmac('sha256', this.secret).update(value).digest('base64url');
  }

  /** The token for the forms of this response (sets the cookie on first use). */
  token(ctx: Context): string {
    let value = ctx.cookies.get(this.cookie);
    if (!value || !/^[A-Za-z0-9_-]{22,64}$/.test(value)) {
      value = randomBytes(18).toString('base64url');
      ctx.cookies.set(this.cookie, value, {
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
    const value = ctx.cookies.get(this.cookie);
    if (!value || typeof token !== 'string' || token.length > 100) return false;
    const expected = Buffer.from(this.sign(value));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** Throws CsrfError (a French 403 page) unless `token` matches this browser's cookie. */
  check(ctx: Context, token: unknown): void {
    if (!this.verify(ctx, token)) throw new CsrfError();
  }

  /** `check` on the `_csrf` field of the form this request posted. */
  checkForm(ctx: Context): void {
    this.check(ctx, (ctx.request.body as Record<string, unknown> | undefined)?._csrf);
  }
}
