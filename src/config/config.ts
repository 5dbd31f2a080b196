import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { isPlaceholder, secretWeakness } from '../domain/secrets.js';

export type SmsTransportKind = 'log' | 'http';
export type EmailTransportKind = 'log' | 'smtp';

export interface Config {
  production: boolean;
  /** Interface the HTTP server listens on: loopback outside production (/dev/outbox shows SMS codes). */
  host: string;
  port: number;
  issuer: string;
  dataDir: string;
  /** postgres:// URL; when absent the embedded PGlite database in `dataDir` is used. */
  databaseUrl: string | undefined;
  /** Path of the JWKS (private keys) file used to sign tokens. */
  jwksFile: string;
  cookieKeys: string[];
  /** Master secret: HMAC of SMS codes, pairwise subjects, CSRF tokens (sub-keys are derived from it). */
  secretKey: string;
  /** Trust X-Forwarded-* headers (behind a reverse proxy). */
  trustProxy: boolean;
  /**
   * Reverse proxies in front of the server that append to X-Forwarded-For: the client address is the
   * one the outermost of them saw (that many entries from the right), never the client-written left.
   */
  proxyHops: number;
  /** PostgreSQL: longest wait for a connection before the request gets the 503 page. */
  databaseConnectTimeoutMs: number;
  /** PostgreSQL: server-side statement_timeout of the server's queries (0 = none). */
  databaseStatementTimeoutMs: number;
  logLevel: string;
  demoData: boolean;
  /** Load shedding: login POSTs waiting for a password hash beyond this queue get a 503. */
  hashQueueLimit: number;
  /** Admission control: new flows get a 503 while the mean event-loop delay (ms) is above this; 0 = off. */
  admissionMaxEventLoopDelayMs: number;
  /** Admission control: new flows get a 503 while more requests than this are in progress; 0 = off. */
  admissionMaxInFlight: number;
  hashWorkers: number;
  /** Server processes (cluster) sharing the port; more than 1 needs PostgreSQL. */
  webConcurrency: number;
  smsCodeTtlSeconds: number;
  smsTransport: SmsTransportKind;
  smsHttpUrl: string | undefined;
  smsHttpToken: string | undefined;
  /** Seconds before "Renvoyer le SMS" may send again. */
  smsResendCooldownSeconds: number;
  /** SMS requests accepted per number (and name) from one client address, per sliding hour. */
  smsHourlyLimit: number;
  /** SMS requests accepted per number (and name) from all addresses together, per sliding hour. */
  smsNumberHourlyLimit: number;
  /** SMS sent by one activation (the first and the resends). */
  smsFlowLimit: number;
  /** SMS requests (activations and resends) accepted per client address and sliding hour; 0 = off. */
  smsIpHourlyLimit: number;
  /** Identity posts (activation step 1) accepted per client address and sliding hour; 0 = off. */
  activationIpHourlyLimit: number;
  /** Wrong SMS codes per number and sliding 24 h (all activations); beyond, a wrong code ends the activation. */
  smsCodeDailyGuessLimit: number;
  /** Delivery attempts of an outbox message before it is marked failed. */
  outboxMaxAttempts: number;
  /** First retry delay of the outbox dispatcher; doubles at each attempt. */
  outboxRetryBaseMs: number;
  /** How often the dispatcher looks for due messages (it is also woken when one is written). */
  outboxPollMs: number;
  entPort: number;
  entBaseUrl: string;
  // « Mon compte » and the email channel (issue 12)
  /** `log`: emails go to the log and /dev/outbox; `smtp`: sent through SMTP_URL with nodemailer. */
  emailTransport: EmailTransportKind;
  /** smtp:// or smtps:// URL, credentials included (required with EMAIL_TRANSPORT=smtp). */
  smtpUrl: string | undefined;
  /** The From header of every email. */
  emailFrom: string;
  /** Validity of an email confirmation link. */
  emailConfirmationTtlHours: number;
  /** Seconds before « Renvoyer le mail » may send a confirmation link again. */
  emailResendCooldownSeconds: number;
  /** Lifetime of the « Mon compte » session (the portal's own, shorter than the IdP's). */
  accountSessionMinutes: number;
  // School-issued accounts and the school console (issue 14)
  /** Validity of a temporary password printed on a school notification (the pages say « 3 mois »). */
  temporaryPasswordDays: number;
  /** Lifetime of a school console session, in minutes. */
  staffSessionMinutes: number;
  // FranceConnect (issue 16)
  /** The upstream FranceConnect; undefined: the button is hidden (outside production: the local one). */
  franceConnect: FranceConnectSettings | undefined;
  /** Port of the local FranceConnect started outside production (src/demo/franceconnect). */
  fcDemoPort: number;
  // ATEN transition (issue 17): legacy academic accounts create their EduConnect account (seed 001).
  /** « Je n'ai pas de compte Educonnect » leads to the ATEN login (ATEN_ENABLED). */
  atenEnabled: boolean;
  /** From this instant the path is closed: a French page says ATEN accounts are no longer accepted. */
  atenClosesAt: Date | undefined;
  /** Base URL of the ATEN directory's CAS server (login, p3/serviceValidate). */
  atenCasUrl: string;
  /** Outside production, the demo ATEN directory listens here when ATEN_CAS_URL is not set. */
  atenDemoPort: number;
  /** Whether `npm start` runs the demo ATEN directory (outside production, enabled, no ATEN_CAS_URL). */
  atenDemoDirectory: boolean;
}

export interface FranceConnectSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration invalide :\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, problems: string[], min = 1, max = 65535): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} doit être un entier entre ${min} et ${max} (reçu « ${raw} »)`);
    return fallback;
  }
  return value;
}

function url(env: Env, name: string, problems: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  try {
    const parsed = new URL(raw);
    if (!['http:', 'https:', 'postgres:', 'postgresql:'].includes(parsed.protocol))
      throw new Error('protocol');
    return raw.replace(/\/$/, '');
  } catch {
    problems.push(`${name} n'est pas une URL valide (reçu « ${raw} »)`);
    return undefined;
  }
}

/**
 * Reads the environment into one validated Config; throws ConfigError listing every problem at once.
 * Pure: outside production, missing secrets stay empty until `withDevSecrets` fills them.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const nodeEnv = env.NODE_ENV ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnv)) {
    problems.push(`NODE_ENV doit valoir development, production ou test (reçu « ${nodeEnv} »)`);
  }
  const production = nodeEnv === 'production';
  const port = integer(env, 'PORT', 3000, problems, 0);
  const issuer = url(env, 'ISSUER', problems) ?? `http://localhost:${port}`;
  const dataDir = resolve(env.DATA_DIR || './data');
  const databaseUrl = url(env, 'DATABASE_URL', problems);
  if (databaseUrl && !/^postgres(ql)?:/.test(databaseUrl)) {
    problems.push('DATABASE_URL doit commencer par postgres:// ou postgresql://');
  }

  const cookieKeys = (env.COOKIE_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const secretKey = env.SECRET_KEY ?? '';
  if (production) {
    if (cookieKeys.length === 0)
      problems.push('COOKIE_KEYS est obligatoire en production (clés séparées par des virgules)');
    if (!secretKey) problems.push('SECRET_KEY est obligatoire en production');
    if (!env.JWKS_FILE)
      problems.push('JWKS_FILE est obligatoire en production (créez-le avec « educonnect keys rotate »)');
    if (!databaseUrl && env.ALLOW_EMBEDDED_DB_IN_PRODUCTION !== 'true')
      problems.push(
        'DATABASE_URL est obligatoire en production : la base embarquée (PGlite) ne sert qu’un processus ' +
          'et n’est pas sauvegardée comme un serveur PostgreSQL (ALLOW_EMBEDDED_DB_IN_PRODUCTION=true pour passer outre)',
      );
    const loopback = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(issuer);
    if (issuer.startsWith('http:') && !loopback) problems.push('ISSUER doit être en https:// en production');
    // the .env.example placeholders and guessable values would let anyone forge cookies and codes
    const secrets: [string, string][] = [
      ['SECRET_KEY', secretKey],
      ...cookieKeys.map((key, i): [string, string] => [
        cookieKeys.length > 1 ? `COOKIE_KEYS (clé ${i + 1})` : 'COOKIE_KEYS',
        key,
      ]),
    ];
    for (const [name, value] of secrets) {
      const weakness = value.length >= 32 ? secretWeakness(value) : undefined;
      if (weakness) problems.push(`${name} ${weakness}`);
    }
    if (env.SMS_HTTP_TOKEN && isPlaceholder(env.SMS_HTTP_TOKEN))
      problems.push(
        "SMS_HTTP_TOKEN est encore la valeur d'exemple de .env.example : mettez le jeton de la passerelle",
      );
    if (databaseUrl && isPlaceholder(new URL(databaseUrl).password))
      problems.push(
        "le mot de passe de DATABASE_URL est encore la valeur d'exemple de .env.example (POSTGRES_PASSWORD)",
      );
  }
  if (cookieKeys.some((k) => k.length < 32))
    problems.push('chaque clé de COOKIE_KEYS doit faire au moins 32 caractères');
  if (secretKey && secretKey.length < 32) problems.push('SECRET_KEY doit faire au moins 32 caractères');

  const smsTransport = (env.SMS_TRANSPORT ?? 'log') as SmsTransportKind;
  if (!['log', 'http'].includes(smsTransport))
    problems.push(`SMS_TRANSPORT doit valoir log ou http (reçu « ${smsTransport} »)`);
  const smsHttpUrl = url(env, 'SMS_HTTP_URL', problems);
  if (smsTransport === 'http' && !smsHttpUrl)
    problems.push('SMS_HTTP_URL est obligatoire quand SMS_TRANSPORT=http');
  if (production && smsTransport === 'log') problems.push('SMS_TRANSPORT=http est obligatoire en production');

  const host = env.HOST || (production ? '0.0.0.0' : '127.0.0.1');
  if (!/^[A-Za-z0-9.:%_-]+$/.test(host))
    problems.push(`HOST doit être une adresse IP ou un nom d'hôte (reçu « ${host} »)`);
  const trustProxyRaw = env.TRUST_PROXY ?? '';
  if (!['', 'true', '1', 'false', '0'].includes(trustProxyRaw))
    problems.push(`TRUST_PROXY doit valoir true ou false (reçu « ${trustProxyRaw} »)`);
  const trustProxy = trustProxyRaw === 'true' || trustProxyRaw === '1';
  const proxyHops = integer(env, 'TRUST_PROXY_HOPS', 1, problems, 1, 10);
  if (env.TRUST_PROXY_HOPS && !trustProxy) problems.push('TRUST_PROXY_HOPS demande TRUST_PROXY=true');

  const entPort = integer(env, 'ENT_PORT', 4000, problems, 0);
  const hashWorkers = integer(env, 'HASH_WORKERS', 0, problems, 0, 64);
  // One process per core in production on PostgreSQL; PGlite is embedded in a single process.
  const webConcurrency = integer(
    env,
    'WEB_CONCURRENCY',
    production && databaseUrl ? availableParallelism() : 1,
    problems,
    1,
    64,
  );
  if (webConcurrency > 1 && !databaseUrl)
    problems.push('WEB_CONCURRENCY supérieur à 1 demande DATABASE_URL (PGlite ne sert qu’un seul processus)');

  // « Mon compte » and the email channel (issue 12)
  const emailTransport = (env.EMAIL_TRANSPORT || 'log') as EmailTransportKind;
  if (!['log', 'smtp'].includes(emailTransport))
    problems.push(`EMAIL_TRANSPORT doit valoir log ou smtp (reçu « ${emailTransport} »)`);
  let smtpUrl: string | undefined;
  if (env.SMTP_URL) {
    try {
      if (!['smtp:', 'smtps:'].includes(new URL(env.SMTP_URL).protocol)) throw new Error('protocol');
      smtpUrl = env.SMTP_URL;
    } catch {
      // the URL may carry the SMTP password: never echo it
      problems.push(
        'SMTP_URL doit être une URL smtp:// ou smtps:// (smtp://utilisateur:motdepasse@hôte:587)',
      );
    }
  }
  if (emailTransport === 'smtp' && !smtpUrl && !env.SMTP_URL)
    problems.push('SMTP_URL est obligatoire quand EMAIL_TRANSPORT=smtp');
  if (production && emailTransport === 'log')
    problems.push('EMAIL_TRANSPORT=smtp est obligatoire en production');
  if (production && smtpUrl && isPlaceholder(decodeURIComponent(new URL(smtpUrl).password)))
    problems.push("le mot de passe de SMTP_URL est encore la valeur d'exemple de .env.example");
  const emailFrom = env.EMAIL_FROM || `ÉduConnect <ne-pas-repondre@${safeHostname(issuer)}>`;
  if (/[\r\n]/.test(emailFrom)) problems.push('EMAIL_FROM ne doit pas contenir de retour à la ligne');
  // FranceConnect (issue 16): the three variables together, or none (no FranceConnect button).
  const fcIssuer = url(env, 'FRANCECONNECT_ISSUER', problems);
  const fcClientId = env.FRANCECONNECT_CLIENT_ID?.trim() ?? '';
  const fcClientSecret = env.FRANCECONNECT_CLIENT_SECRET ?? '';
  if ((fcIssuer || fcClientId || fcClientSecret) && !(fcIssuer && fcClientId && fcClientSecret))
    problems.push(
      'FRANCECONNECT_ISSUER, FRANCECONNECT_CLIENT_ID et FRANCECONNECT_CLIENT_SECRET vont ensemble : renseignez les trois ou aucun',
    );
  if (production && fcIssuer?.startsWith('http:'))
    problems.push('FRANCECONNECT_ISSUER doit être en https:// en production');
  if (production && isPlaceholder(fcClientSecret))
    problems.push(
      "FRANCECONNECT_CLIENT_SECRET est encore la valeur d'exemple de .env.example : mettez le secret donné par FranceConnect",
    );
  const franceConnect =
    fcIssuer && fcClientId && fcClientSecret
      ? { issuer: fcIssuer, clientId: fcClientId, clientSecret: fcClientSecret }
      : undefined;
  const fcDemoPort = integer(env, 'FC_DEMO_PORT', 5000, problems, 0);
  // ATEN transition (issue 17)
  const aten = atenConfig(env, production, problems);

  const config: Config = {
    production,
    host,
    port,
    issuer,
    dataDir,
    databaseUrl,
    jwksFile: resolve(env.JWKS_FILE || join(dataDir, 'jwks.json')),
    cookieKeys,
    secretKey,
    trustProxy,
    proxyHops,
    databaseConnectTimeoutMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5000, problems, 100, 600_000),
    databaseStatementTimeoutMs: integer(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 15_000, problems, 0, 3_600_000),
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    demoData: !production && env.DEMO_DATA !== 'false',
    hashQueueLimit: integer(env, 'HASH_QUEUE_LIMIT', 64, problems, 1, 100000),
    admissionMaxEventLoopDelayMs: integer(
      env,
      'ADMISSION_MAX_EVENT_LOOP_DELAY_MS',
      production ? 100 : 0,
      problems,
      0,
      60_000,
    ),
    admissionMaxInFlight: integer(env, 'ADMISSION_MAX_IN_FLIGHT', production ? 16 : 0, problems, 0, 100_000),
    hashWorkers,
    webConcurrency,
    smsCodeTtlSeconds: integer(env, 'SMS_CODE_TTL_SECONDS', 1800, problems, 60, 86400),
    smsTransport,
    smsHttpUrl,
    smsHttpToken: env.SMS_HTTP_TOKEN,
    smsResendCooldownSeconds: integer(env, 'SMS_RESEND_COOLDOWN_SECONDS', 60, problems, 0, 3600),
    smsHourlyLimit: integer(env, 'SMS_HOURLY_LIMIT', 5, problems, 1, 1000),
    smsNumberHourlyLimit: integer(env, 'SMS_NUMBER_HOURLY_LIMIT', 15, problems, 1, 1000),
    smsFlowLimit: integer(env, 'SMS_FLOW_LIMIT', 3, problems, 1, 100),
    smsIpHourlyLimit: integer(env, 'SMS_IP_HOURLY_LIMIT', 50, problems, 0, 1_000_000),
    activationIpHourlyLimit: integer(env, 'ACTIVATION_IP_HOURLY_LIMIT', 50, problems, 0, 1_000_000),
    smsCodeDailyGuessLimit: integer(env, 'SMS_CODE_DAILY_GUESS_LIMIT', 20, problems, 1, 100_000),
    outboxMaxAttempts: integer(env, 'OUTBOX_MAX_ATTEMPTS', 6, problems, 1, 100),
    outboxRetryBaseMs: integer(env, 'OUTBOX_RETRY_BASE_MS', 5000, problems, 1, 3_600_000),
    outboxPollMs: integer(env, 'OUTBOX_POLL_MS', 2000, problems, 10, 3_600_000),
    entPort,
    entBaseUrl: url(env, 'ENT_BASE_URL', problems) ?? `http://localhost:${entPort}`,
    // « Mon compte » and the email channel (issue 12)
    emailTransport,
    smtpUrl,
    emailFrom,
    emailConfirmationTtlHours: integer(env, 'EMAIL_CONFIRMATION_TTL_HOURS', 24, problems, 1, 24 * 30),
    emailResendCooldownSeconds: integer(env, 'EMAIL_RESEND_COOLDOWN_SECONDS', 60, problems, 0, 3600),
    accountSessionMinutes: integer(env, 'ACCOUNT_SESSION_MINUTES', 15, problems, 1, 24 * 60),
    // School-issued accounts and the school console (issue 14)
    temporaryPasswordDays: integer(env, 'TEMPORARY_PASSWORD_DAYS', 90, problems, 1, 366),
    staffSessionMinutes: integer(env, 'STAFF_SESSION_MINUTES', 480, problems, 5, 1440),
    // FranceConnect (issue 16)
    franceConnect,
    fcDemoPort,
    ...aten,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function safeHostname(issuer: string): string {
  try {
    return new URL(issuer).hostname || 'localhost';
  } catch {
    return 'localhost';
  }
}

// ATEN transition (issue 17): off by default in production, on (with the demo directory) elsewhere.
function atenConfig(env: Env, production: boolean, problems: string[]) {
  const enabledRaw = env.ATEN_ENABLED ?? '';
  if (!['', 'true', '1', 'false', '0'].includes(enabledRaw))
    problems.push(`ATEN_ENABLED doit valoir true ou false (reçu « ${enabledRaw} »)`);
  const atenEnabled = enabledRaw === '' ? !production : enabledRaw === 'true' || enabledRaw === '1';
  let atenClosesAt: Date | undefined;
  const closesRaw = env.ATEN_CLOSES_AT;
  if (closesRaw) {
    const date = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(closesRaw)
      ? new Date(closesRaw)
      : undefined;
    // Date reads 2027-02-30 as 2 March: a calendar date must come back unchanged.
    const valid = date !== undefined && !Number.isNaN(date.getTime());
    if (!valid || (!closesRaw.includes('T') && date.toISOString().slice(0, 10) !== closesRaw))
      problems.push(
        `ATEN_CLOSES_AT doit être une date AAAA-MM-JJ ou AAAA-MM-JJTHH:MM:SSZ (reçu « ${closesRaw} »)`,
      );
    else atenClosesAt = date;
  }
  const atenDemoPort = integer(env, 'ATEN_DEMO_PORT', 5001, problems, 0);
  const casUrl = url(env, 'ATEN_CAS_URL', problems);
  // The ticket is validated server to server: over plain http anyone on the path could answer for the directory.
  if (production && casUrl && !casUrl.startsWith('https://'))
    problems.push(`ATEN_CAS_URL doit être une URL https:// en production (reçu « ${casUrl} »)`);
  if (production && atenEnabled && !casUrl)
    problems.push(
      "ATEN_CAS_URL est obligatoire en production quand ATEN_ENABLED=true (l'annuaire ATEN de l'académie)",
    );
  return {
    atenEnabled,
    atenClosesAt,
    atenCasUrl: casUrl ?? `http://localhost:${atenDemoPort}`,
    atenDemoPort,
    atenDemoDirectory: !production && atenEnabled && !casUrl,
  };
}

/** Settings that work but are probably a mistake, logged at start (in English, for the operator). */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  // This server speaks plain http: with an https ISSUER the requests come through a TLS proxy.
  if (config.issuer.startsWith('https:') && !config.trustProxy)
    warnings.push(
      'ISSUER is https but TRUST_PROXY is not set: requests arrive over http through a proxy, so every client ' +
        'shares the proxy address (login throttling per IP). Set TRUST_PROXY=true (and TRUST_PROXY_HOPS). ' +
        'Cookies stay Secure either way.',
    );
  return warnings;
}
