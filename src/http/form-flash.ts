import type { Context } from 'koa';
import type { SecretBox } from '../domain/secrets.js';

const COOKIE = 'ec_form';
const MAX_AGE_MS = 10 * 60 * 1000;

/** A form sent back with errors: what the page shows again, and the status it answers with. */
export interface FlashedForm<T> {
  status: number;
  retryAfterSeconds?: number;
  props: T;
}

/**
 * Post/redirect/get for forms with errors: the POST keeps what to show in a short-lived cookie and
 * redirects (303) to the page, which shows it once. Back and reload then never meet the browser's
 * « Confirmer le nouvel envoi du formulaire ». The cookie is sealed (AES-GCM) since it carries what
 * was typed (names, a phone number, birth dates), bound to the page it was made for, and scoped to
 * `scope` (the flow's path).
 */
export class FormFlash {
  constructor(private readonly box: SecretBox) {}

  private options(ctx: Context, scope: string) {
    return { path: scope, httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, overwrite: true };
  }

  /** Keeps `form` for the page at `page` (under `scope`) and redirects there. */
  redirect<T>(ctx: Context, scope: string, page: string, form: FlashedForm<T>): void {
    const sealed = this.box.seal(JSON.stringify(form), page);
    ctx.cookies.set(COOKIE, sealed, { ...this.options(ctx, scope), maxAge: MAX_AGE_MS });
    ctx.status = 303;
    ctx.redirect(page);
  }

  /** The form kept for this page, once (it is cleared); undefined when none, or one for another page. */
  take<T>(ctx: Context, scope: string, page: string): FlashedForm<T> | undefined {
    const sealed = ctx.cookies.get(COOKIE);
    if (!sealed) return undefined;
    ctx.cookies.set(COOKIE, null, { ...this.options(ctx, scope), expires: new Date(0) });
    try {
      return JSON.parse(this.box.open(sealed, page)) as FlashedForm<T>;
    } catch {
      return undefined; // altered, or made for another page
    }
  }
}
