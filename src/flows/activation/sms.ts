import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

// The security code, the keys derived from it, and the texts of the activation's SMS.

export function generateCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** The code is stored as an HMAC bound to its flow: 10^6 codes are trivially hashed, not HMACed. */
export function codeHmac(secret: Buffer, flowId: string, code: string): string {
  return createHmac('sha256', secret).update(`code:${flowId}:${code}`).digest('base64url');
}

/** Whether `code` is the one whose HMAC the flow keeps (six digits, compared in constant time). */
export function codeMatches(secret: Buffer, flowId: string, code: string, stored: string | null): boolean {
  const given = Buffer.from(codeHmac(secret, flowId, code));
  const expected = Buffer.from(stored ?? '');
  return /^[0-9]{6}$/.test(code) && given.length === expected.length && timingSafeEqual(given, expected);
}

export function codeText(code: string, ttlSeconds: number): string {
  return `ÉduConnect : votre code de sécurité est ${code}. Il est valable ${Math.round(ttlSeconds / 60)} min. Ne le communiquez à personne.`;
}

export function identifierText(identifier: string): string {
  return `ÉduConnect : un compte existe déjà pour ce numéro. Votre identifiant est ${identifier}. Connectez-vous avec cet identifiant et votre mot de passe.`;
}
