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

/**
 * Control characters (C0 but tab, DEL, C1): nothing a person types in a one-line field, and NUL is
 * refused by PostgreSQL (a 500 if it got that far).
 */
const CONTROL_CHARACTER = /[^\P{Cc}\t]/u; // Unicode category Cc, tab excepted

/** True when `value` holds a control character no form of ours sends (see textField). */
export function hasControlCharacter(value: string): boolean {
  return CONTROL_CHARACTER.test(value);
}

/**
 * Reads one text field. Missing -> ''. Not a string (repeated field, nested object), longer than
 * `max` characters or holding a control character -> MalformedFormError, rendered as a French 400
 * page.
 */
export function textField(body: unknown, name: string, max = 256): string {
  if (typeof body !== 'object' || body === null) return '';
  const value = (body as FormBody)[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string' || value.length > max || hasControlCharacter(value))
    throw new MalformedFormError(name);
  return value;
}

/** Parses urlencoded form bodies up to `limit`; mounted only on the POST routes that read a form. */
export function formParser(limit: string): Middleware {
  return bodyParser({ enableTypes: ['form'], formLimit: limit });
}

/** The summary above a form sent back with errors. */
export const FORM_ERROR = 'Le formulaire contient des erreurs.';
