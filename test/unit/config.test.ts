import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, loadConfig } from '../../src/config/config.js';
import { withDevSecrets } from '../../src/config/dev-secrets.js';
import { ROOT } from '../helpers/paths.js';

const dir = () => mkdtempSync(join(tmpdir(), 'educonnect-config-'));
// what `openssl rand -base64 48` gives
const secret = randomBytes(48).toString('base64');

describe('configuration', () => {
  it('has working defaults outside production and keeps generated secrets across restarts', () => {
    const dataDir = dir();
    const first = withDevSecrets(loadConfig({ DATA_DIR: dataDir }));
    expect(first.port).toBe(3000);
    expect(first.issuer).toBe('http://localhost:3000');
    expect(first.production).toBe(false);
    expect(first.demoData).toBe(true);
    expect(first.databaseUrl).toBeUndefined();
    expect(first.cookieKeys[0]!.length).toBeGreaterThanOrEqual(32);
    const second = withDevSecrets(loadConfig({ DATA_DIR: dataDir }));
    expect(second.secretKey).toBe(first.secretKey);
    expect(JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).secretKey).toBe(first.secretKey);
  });

  it('listens on the loopback interface outside production, on every interface in production, or on HOST', () => {
    expect(loadConfig({ DATA_DIR: dir() }).host).toBe('127.0.0.1');
    expect(loadConfig({ DATA_DIR: dir(), NODE_ENV: 'test' }).host).toBe('127.0.0.1');
    expect(loadConfig({ DATA_DIR: dir(), HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ DATA_DIR: dir(), HOST: '::' }).host).toBe('::');
    expect(() => loadConfig({ DATA_DIR: dir(), HOST: 'une adresse' })).toThrow(/HOST doit être une adresse/);
  });

  it('reads the proxy settings: one trusted proxy by default, more with TRUST_PROXY_HOPS', () => {
    expect(loadConfig({ DATA_DIR: dir() })).toMatchObject({ trustProxy: false });
    expect(loadConfig({ DATA_DIR: dir(), TRUST_PROXY: 'true' })).toMatchObject({
      trustProxy: true,
      proxyHops: 1,
    });
    expect(loadConfig({ DATA_DIR: dir(), TRUST_PROXY: '1', TRUST_PROXY_HOPS: '2' })).toMatchObject({
      trustProxy: true,
      proxyHops: 2,
    });
    expect(() => loadConfig({ DATA_DIR: dir(), TRUST_PROXY: 'oui' })).toThrow(/TRUST_PROXY doit valoir/);
    expect(() => loadConfig({ DATA_DIR: dir(), TRUST_PROXY_HOPS: '2' })).toThrow(/demande TRUST_PROXY=true/);
    expect(() => loadConfig({ DATA_DIR: dir(), TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '0' })).toThrow(
      /TRUST_PROXY_HOPS doit être un entier/,
    );
  });

  it('derives the issuer from the port', () => {
    expect(loadConfig({ DATA_DIR: dir(), PORT: '8080' }).issuer).toBe('http://localhost:8080');
  });

  it('lists every problem at once, in French', () => {
    try {
      loadConfig({
        DATA_DIR: dir(),
        PORT: 'abc',
        DATABASE_URL: 'mysql://x',
        NODE_ENV: 'staging',
        SMS_TRANSPORT: 'pigeon',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const { problems } = error as ConfigError;
      expect(problems.join('\n')).toContain('PORT doit être un entier');
      expect(problems.join('\n')).toContain('DATABASE_URL');
      expect(problems.join('\n')).toContain('NODE_ENV');
      expect(problems.join('\n')).toContain('SMS_TRANSPORT');
    }
  });

  it('refuses to start in production without secrets, keys and an https issuer', () => {
    expect(() =>
      loadConfig({ NODE_ENV: 'production', DATA_DIR: dir(), ISSUER: 'http://idp.example.fr' }),
    ).toThrow(
      /COOKIE_KEYS est obligatoire[\s\S]*SECRET_KEY est obligatoire[\s\S]*JWKS_FILE est obligatoire[\s\S]*https/,
    );
  });

  it('accepts a complete production configuration, without demo data', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATA_DIR: dir(),
      ISSUER: 'https://educonnect.example.fr',
      COOKIE_KEYS: `${secret},${randomBytes(16).toString('hex')}`,
      SECRET_KEY: secret,
      JWKS_FILE: '/run/secrets/jwks.json',
      DATABASE_URL: 'postgres://educonnect@db.example.fr/educonnect',
      SMS_TRANSPORT: 'http',
      SMS_HTTP_URL: 'https://sms.example.fr/send',
      EMAIL_TRANSPORT: 'smtp',
      SMTP_URL: 'smtp://educonnect:s3cr3t@smtp.example.fr:587',
      DEMO_DATA: 'true',
    });
    expect(config.demoData).toBe(false);
    expect(config.host).toBe('0.0.0.0');
    expect(config.cookieKeys).toHaveLength(2);
    expect(config.jwksFile).toBe('/run/secrets/jwks.json');
  });

  const production = (env: Record<string, string>) => ({
    NODE_ENV: 'production',
    DATA_DIR: dir(),
    ISSUER: 'https://educonnect.example.fr',
    JWKS_FILE: '/run/secrets/jwks.json',
    SMS_TRANSPORT: 'http',
    SMS_HTTP_URL: 'https://sms.example.fr/send',
    EMAIL_TRANSPORT: 'smtp',
    SMTP_URL: 'smtp://smtp.example.fr:587',
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    SECRET_KEY: randomBytes(32).toString('base64url'),
    DATABASE_URL: 'postgres://educonnect@db.example.fr/educonnect',
    ...env,
  });

  it('refuses the embedded database in production unless the operator insists', () => {
    expect(() => loadConfig(production({ DATABASE_URL: '' }))).toThrow(
      /DATABASE_URL est obligatoire en production/,
    );
    const config = loadConfig(production({ DATABASE_URL: '', ALLOW_EMBEDDED_DB_IN_PRODUCTION: 'true' }));
    expect(config.databaseUrl).toBeUndefined();
  });

  it('refuses the placeholders of .env.example in production', () => {
    const example = Object.fromEntries(
      readFileSync(join(ROOT, '.env.example'), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const env = production({
      ...example,
      DATABASE_URL: `postgres://educonnect:${example.POSTGRES_PASSWORD}@postgres:5432/educonnect`,
    });
    try {
      loadConfig(env);
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['SECRET_KEY', 'COOKIE_KEYS', 'SMS_HTTP_TOKEN', 'DATABASE_URL', 'SMTP_URL'])
        expect(problems).toMatch(new RegExp(`${name}.*valeur d'exemple de .env.example`));
    }
  });

  it('refuses guessable secrets in production and accepts random ones', () => {
    for (const weak of [
      'x'.repeat(40),
      'ab'.repeat(20),
      'Motdepasse1!'.repeat(3),
      `${'a'.repeat(39)}b`,
      '12345678901234567890123456789012',
    ]) {
      expect(() => loadConfig(production({ SECRET_KEY: weak })), weak).toThrow(
        /SECRET_KEY est trop prévisible/,
      );
      expect(() => loadConfig(production({ COOKIE_KEYS: `${secret},${weak}` })), weak).toThrow(
        /COOKIE_KEYS \(clé 2\) est trop prévisible/,
      );
      // outside production (tests, development) any 32 characters will do
      expect(loadConfig({ DATA_DIR: dir(), SECRET_KEY: weak }).secretKey).toBe(weak);
    }
    for (let i = 0; i < 200; i++) {
      const hex = randomBytes(16).toString('hex'); // openssl rand -hex 16: 128 bits
      const base64 = randomBytes(48).toString('base64'); // openssl rand -base64 48
      expect(loadConfig(production({ SECRET_KEY: hex, COOKIE_KEYS: base64 })).secretKey).toBe(hex);
    }
  });

  it('warns when ISSUER is https and the requests would come from a proxy that is not trusted', () => {
    expect(configWarnings(loadConfig(production({})))).toEqual([expect.stringContaining('TRUST_PROXY')]);
    expect(configWarnings(loadConfig(production({ TRUST_PROXY: 'true' })))).toEqual([]);
    expect(configWarnings(loadConfig({ DATA_DIR: dir() }))).toEqual([]);
  });

  it('reads the email transport: log by default, smtp required in production, bad values listed', () => {
    const development = loadConfig({ DATA_DIR: dir(), ISSUER: 'https://educonnect.example.fr' });
    expect(development).toMatchObject({
      emailTransport: 'log',
      smtpUrl: undefined,
      emailFrom: 'ÉduConnect <ne-pas-repondre@educonnect.example.fr>',
      emailConfirmationTtlHours: 24,
      emailResendCooldownSeconds: 60,
      accountSessionMinutes: 15,
    });
    expect(() => loadConfig(production({ EMAIL_TRANSPORT: '', SMTP_URL: '' }))).toThrow(
      /EMAIL_TRANSPORT=smtp est obligatoire en production/,
    );
    try {
      loadConfig({
        DATA_DIR: dir(),
        EMAIL_TRANSPORT: 'pigeon',
        SMTP_URL: 'http://user:motdepasse-secret@smtp.example.fr',
        EMAIL_CONFIRMATION_TTL_HOURS: '0',
      });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('EMAIL_TRANSPORT doit valoir log ou smtp');
      expect(problems).toContain('SMTP_URL doit être une URL smtp://');
      expect(problems).not.toContain('motdepasse-secret');
      expect(problems).toContain('EMAIL_CONFIRMATION_TTL_HOURS');
    }
    expect(() => loadConfig({ DATA_DIR: dir(), EMAIL_TRANSPORT: 'smtp' })).toThrow(
      /SMTP_URL est obligatoire quand EMAIL_TRANSPORT=smtp/,
    );
    expect(loadConfig(production({ SMTP_URL: 'smtps://u:p@smtp.example.fr' })).smtpUrl).toBe(
      'smtps://u:p@smtp.example.fr',
    );
  });

  it('refuses short secrets', () => {
    expect(() => loadConfig({ DATA_DIR: dir(), SECRET_KEY: 'court', COOKIE_KEYS: 'aussi-court' })).toThrow(
      /au moins 32 caractères/,
    );
  });
});
