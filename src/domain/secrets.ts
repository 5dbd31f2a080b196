import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export type SecretPurpose =
  | 'csrf'
  | 'pairwise'
  | 'sms-code'
  | 'throttle'
  | 'ent-session'
  | 'outbox'
  | 'client-secret';

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
