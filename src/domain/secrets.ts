import { hkdfSync } from 'node:crypto';

export type SecretPurpose = 'csrf' | 'pairwise' | 'sms-code' | 'throttle' | 'ent-session';

/** Independent sub-keys derived from the one master SECRET_KEY, one per purpose. */
export function deriveSecret(master: string, purpose: SecretPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', master, 'educonnect', purpose, 32));
}
