import { hkdfSync } from 'node:crypto';

/** What the demo ENT needs to know: where it lives, which IdP it trusts, and its own secrets. */
export interface EntConfig {
  production: boolean;
  port: number;
  /** Public base URL of the ENT, without trailing slash (redirect_uri = `${baseUrl}/auth/callback`). */
  baseUrl: string;
  /** The EduConnect issuer; discovery at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Keys signing the session cookie (Koa keygrip; the first one signs). */
  cookieKeys: string[];
  /** Key of the CSRF tokens of the ENT's forms. */
  csrfSecret: Buffer;
  /** A session unused this long ends (the demo keeps sessions in memory). */
  sessionIdleSeconds: number;
  /** A session ends this long after login whatever happens. */
  sessionMaxSeconds: number;
  /** A login started but not finished at the IdP is forgotten after this long. */
  loginTtlSeconds: number;
  trustProxy: boolean;
  logLevel: string;
  /** The IdP offers the ATEN transition: the login page shows the two buttons of seed 001. */
  atenTransition: boolean;
}

export class EntConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration invalide :\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EntConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** How long the ENT keeps sessions and logins in progress. */
export const ENT_SESSION_LIMITS = {
  sessionIdleSeconds: 30 * 60,
  sessionMaxSeconds: 8 * 3600,
  loginTtlSeconds: 15 * 60,
};

export function trimSlash(url: string): string {
  return url.replace(/\/$/, '');
}

/** The key of the ENT's CSRF tokens, derived from a master key (HKDF, purpose `ent-session`). */
export function entCsrfSecret(masterKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, 'educonnect', 'ent-session', 32));
}

/**
 * The ENT on its own in production, for any EduConnect issuer that registered it: ENT_ISSUER,
 * ENT_CLIENT_ID, ENT_CLIENT_SECRET, ENT_BASE_URL and ENT_COOKIE_KEYS are required.
 */
export function loadStandaloneEntConfig(env: Env): EntConfig {
  const production = env.NODE_ENV === 'production';
  const problems: string[] = [];
  const required = (name: string) => {
    const value = env[name];
    if (!value) problems.push(`${name} est obligatoire en production`);
    return value ?? '';
  };
  const issuer = trimSlash(required('ENT_ISSUER'));
  const baseUrl = trimSlash(required('ENT_BASE_URL'));
  const clientId = required('ENT_CLIENT_ID');
  const clientSecret = required('ENT_CLIENT_SECRET');
  const cookieKeys = required('ENT_COOKIE_KEYS')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  for (const [name, value] of [
    ['ENT_ISSUER', issuer],
    ['ENT_BASE_URL', baseUrl],
  ] as const) {
    if (value && !/^https:\/\//.test(value) && !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(value))
      problems.push(`${name} doit être une URL https:// en production (reçu « ${value} »)`);
  }
  if (cookieKeys.some((k) => k.length < 32))
    problems.push('chaque clé de ENT_COOKIE_KEYS doit faire au moins 32 caractères');
  const port = Number(env.ENT_PORT || 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`ENT_PORT doit être un entier entre 0 et 65535 (reçu « ${env.ENT_PORT} »)`);
  if (problems.length > 0) throw new EntConfigError(problems);
  return {
    production,
    port,
    baseUrl,
    issuer,
    clientId,
    clientSecret,
    cookieKeys,
    csrfSecret: entCsrfSecret(cookieKeys[0]!),
    ...ENT_SESSION_LIMITS,
    trustProxy: env.TRUST_PROXY === 'true' || env.TRUST_PROXY === '1',
    logLevel: env.LOG_LEVEL || 'info',
    atenTransition: env.ENT_ATEN_TRANSITION === 'true',
  };
}
