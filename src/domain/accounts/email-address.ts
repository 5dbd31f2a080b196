/**
 * An email address as people type it: trimmed and lowercased (so that the same address is found
 * again for recovery), the usual shape only (RFC 5321 lengths, a dotted domain, no quoted local
 * parts nor IP literals, which nobody gives a school); null when it is not one.
 */
export function normaliseEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  if (email.length > 254) return null;
  const match = /^([a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64})@([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})+)$/.exec(email);
  if (!match) return null;
  const [, local, domain] = match;
  if (local!.startsWith('.') || local!.endsWith('.') || local!.includes('..')) return null;
  if (domain!.split('.').some((label) => label.startsWith('-') || label.endsWith('-'))) return null;
  return email;
}
