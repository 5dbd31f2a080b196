import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { withDevSecrets } from '../../src/config/dev-secrets.js';

const dir = () => mkdtempSync(join(tmpdir(), 'educonnect-config-'));
const secret = 'x'.repeat(40);

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
      COOKIE_KEYS: `${secret},${'y'.repeat(40)}`,
      SECRET_KEY: secret,
      JWKS_FILE: '/run/secrets/jwks.json',
      DATABASE_URL: 'postgres://educonnect@db.example.fr/educonnect',
      SMS_TRANSPORT: 'http',
      SMS_HTTP_URL: 'https://sms.example.fr/send',
      DEMO_DATA: 'true',
    });
    expect(config.demoData).toBe(false);
    expect(config.cookieKeys).toHaveLength(2);
    expect(config.jwksFile).toBe('/run/secrets/jwks.json');
  });

  it('refuses the embedded database in production unless the operator insists', () => {
    const production = {
      NODE_ENV: 'production',
      DATA_DIR: dir(),
      ISSUER: 'https://educonnect.example.fr',
      COOKIE_KEYS: secret,
      SECRET_KEY: secret,
      JWKS_FILE: '/run/secrets/jwks.json',
      SMS_TRANSPORT: 'http',
      SMS_HTTP_URL: 'https://sms.example.fr/send',
    };
    expect(() => loadConfig(production)).toThrow(/DATABASE_URL est obligatoire en production/);
    expect(
      loadConfig({ ...production, ALLOW_EMBEDDED_DB_IN_PRODUCTION: 'true' }).databaseUrl,
    ).toBeUndefined();
  });

  it('refuses short secrets', () => {
    expect(() => loadConfig({ DATA_DIR: dir(), SECRET_KEY: 'court', COOKIE_KEYS: 'aussi-court' })).toThrow(
      /au moins 32 caractères/,
    );
  });
});
