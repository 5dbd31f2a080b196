/**
 * ÉduConnect's side of CAS 3.0 against the ATEN directory: the login URL the browser is sent to, and
 * the server-to-server validation of the ticket it comes back with (JSON form of /p3/serviceValidate).
 */
export type TicketValidation =
  | { status: 'valid'; user: string; vectors: string[] }
  | { status: 'invalid' }
  | { status: 'unreachable' };

export function casLoginUrl(casUrl: string, service: string): string {
  const url = new URL(`${casUrl}/login`);
  url.searchParams.set('service', service);
  return url.href;
}

const stringList = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
    (v): v is string => typeof v === 'string',
  );

export async function validateTicket(
  casUrl: string,
  service: string,
  ticket: string,
): Promise<TicketValidation> {
  const url = new URL(`${casUrl}/p3/serviceValidate`);
  url.searchParams.set('service', service);
  url.searchParams.set('ticket', ticket);
  url.searchParams.set('format', 'JSON');
  let body: unknown;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
    if (response.status >= 500) return { status: 'unreachable' };
    body = await response.json();
  } catch {
    return { status: 'unreachable' };
  }
  const success = (body as { serviceResponse?: { authenticationSuccess?: Record<string, unknown> } })
    ?.serviceResponse?.authenticationSuccess;
  const user = success?.user;
  if (typeof user !== 'string' || user.length === 0 || user.length > 128) return { status: 'invalid' };
  const attributes = (success?.attributes ?? {}) as Record<string, unknown>;
  return { status: 'valid', user, vectors: stringList(attributes.FrEduVecteur).slice(0, 50) };
}
