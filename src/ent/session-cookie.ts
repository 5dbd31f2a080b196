import type { Context } from 'koa';
import type { EntSession, SessionStore } from './sessions.js';

export const SESSION_COOKIE = 'ent_session';

/** The browser's side of an ENT session: a signed, HttpOnly cookie holding its random id, nothing else. */
export class SessionCookie {
  constructor(
    private readonly sessions: SessionStore,
    private readonly secure: boolean,
  ) {}

  private options() {
    return { httpOnly: true, sameSite: 'lax' as const, signed: true, secure: this.secure, overwrite: true };
  }

  /** The live session this browser names, if any. */
  sessionOf(ctx: Context): EntSession | undefined {
    return this.sessions.find(ctx.cookies.get(SESSION_COOKIE, { signed: true }));
  }

  /** Whether the browser sent a session cookie at all (a stale one means "expired"). */
  present(ctx: Context): boolean {
    return Boolean(ctx.cookies.get(SESSION_COOKIE));
  }

  set(ctx: Context, session: EntSession): void {
    ctx.cookies.set(SESSION_COOKIE, session.id, this.options());
  }

  clear(ctx: Context): void {
    ctx.cookies.set(SESSION_COOKIE, null, { ...this.options(), expires: new Date(0) });
  }
}
