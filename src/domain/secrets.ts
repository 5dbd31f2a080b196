import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export type SecretPurpose =
  | 'csrf'
  | 'pairwise'
  | 'sms-code'
  | 'throttle'
  | 'ent-session'
  | 'outbox'
  | 'client-secret'
  | 'account-session'
  | 'staff-totp'
  | 'aten-demo-csrf'
  // forms sent back with errors (post/redirect/get)
  | 'form-flash';

/** Independent sub-keys derived from the one master SECRET_KEY, one per purpose. */
export function deriveSecret(master: string, purpose: SecretPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', master, 'educonnect', purpose, 32));
}

const SEALED_PREFIX = 'v1.';

/**
 * AES-256-GCM for values kept at rest that must be read back (message bodies, client secrets).
 * `context` is authenticated with the value (the recipient, the client id), so that a sealed value
 * copied to another row does not open.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** Throws when the value was not sealed by this key for this context (or was altered). */
  open(sealed: string, context: string): string {
    if (!SecretBox.isSealed(sealed)) throw new Error('not a sealed value');
    const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
    if (raw.length < 28) throw new Error('sealed value too short');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  }

  static isSealed(value: string): boolean {
    return value.startsWith(SEALED_PREFIX);
  }
}

/** The values `.env.example` ships with (and their kind), which a deployment must replace. */
export function isPlaceholder(value: string): boolean {
  return /replace-with|change-?me/i.test(value);
}

/**
 * A rough lower bound of the randomness of a secret, in bits: its length times the bits of the
 * alphabet its characters come from (hex, letters, digits, symbols), or far less when characters
 * repeat (`aaaa…b`) or a pattern does (`Motdepasse1!Motdepasse1!`). A random 32-character hex
 * string (128 bits) passes; what a person types rarely does.
 */
export function estimatedSecretBits(value: string): number {
  if (value.length === 0 || /^(.+?)\1+$/s.test(value)) return 0;
  let alphabet = /^[0-9]+$/.test(value) ? 10 : 16;
  if (!/^[0-9a-f]+$/i.test(value)) {
    alphabet = 0;
    if (/[a-z]/.test(value)) alphabet += 26;
    if (/[A-Z]/.test(value)) alphabet += 26;
    if (/[0-9]/.test(value)) alphabet += 10;
    if (/[^a-zA-Z0-9]/.test(value)) alphabet += 32;
  }
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let shannon = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    shannon -= p * Math.log2(p);
  }
  // a skewed string ('aaaaaaab') has little entropy whatever its alphabet
  if (value.length * shannon < 64) return value.length * shannon;
  return value.length * Math.log2(alphabet);
}

/** Why `value` cannot protect a production deployment (French, after the variable's name), or undefined. */
export function secretWeakness(value: string): string | undefined {
  if (isPlaceholder(value))
    return "est encore la valeur d'exemple de .env.example : générez-en une (openssl rand -base64 48)";
  if (estimatedSecretBits(value) < 128)
    return "est trop prévisible (moins de 128 bits d'aléa estimés) : générez-la avec openssl rand -base64 48";
  return undefined;
}
