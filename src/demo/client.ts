import { createHmac } from 'node:crypto';
import type { Config } from '../config/config.js';

export const DEMO_CLIENT_ID = 'ent-demo';

/** The demo ENT's secret is derived from SECRET_KEY so the ENT process finds it without a shared file. */
export function demoClientSecret(config: Pick<Config, 'secretKey'>): string {
  return createHmac('sha256', config.secretKey).update('demo-ent-client').digest('base64url');
}
