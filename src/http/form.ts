import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';

/** Thrown when a form body is not what any of our pages sends (arrays, objects, oversized values). */
export class MalformedFormError extends Error {
  readonly status = 400;
  constructor(readonly field: string) {
    super(`malformed form field ${field}`);
    this.name = 'MalformedFormError';
  }
}

export type FormBody = Record<string, unknown>;

/** C0 control characters other than tab, CR and LF, and DEL: no page sends them (PostgreSQL refuses NUL). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Reads one text field. Missing -> ''. Not a string (repeated field, nested object), longer than
 * `max` characters, or with control characters -> MalformedFormError, rendered as a French 400 page.
 */
export function textField(body: unknown, name: string, max = 256): string {
  if (typeof body !== 'object' || body === null) return '';
  const value = (body as FormBody)[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string' || value.length > max || CONTROL_CHARACTERS.test(value))
    throw new MalformedFormError(name);
  return value;
}

/** Parses urlencoded form bodies up to `limit`; mounted only on the POST routes that read a form. */
export function formParser(limit: string): Middleware {
  return bodyParser({ enableTypes: ['form'], formLimit: limit });
}

/** The summary above a form sent back with errors. */
export const FORM_ERROR = 'Le formulaire contient des erreurs.';
