import { describe, expect, it } from 'vitest';
import { type ConfigError, loadConfig } from '../../src/config/config.js';
import { demoFranceConnectSettings } from '../../src/demo/franceconnect/server.js';

const FC = {
  FRANCECONNECT_ISSUER: 'https://fcp-low.integ01.dev-franceconnect.fr/api/v2',
  FRANCECONNECT_CLIENT_ID: 'client-educonnect',
  FRANCECONNECT_CLIENT_SECRET: 'un-secret-de-franceconnect',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
}

describe('FranceConnect configuration', () => {
  it('is off without the variables, on with the three of them', () => {
    expect(loadConfig({}).franceConnect).toBeUndefined();
    expect(loadConfig({}).fcDemoPort).toBe(5000);
    expect(loadConfig(FC).franceConnect).toEqual({
      issuer: FC.FRANCECONNECT_ISSUER,
      clientId: FC.FRANCECONNECT_CLIENT_ID,
      clientSecret: FC.FRANCECONNECT_CLIENT_SECRET,
    });
  });

  it('refuses part of them, an issuer that is not a URL, and http in production, in French', () => {
    expect(problems({ FRANCECONNECT_ISSUER: FC.FRANCECONNECT_ISSUER })).toEqual([
      expect.stringContaining('vont ensemble'),
    ]);
    expect(problems({ ...FC, FRANCECONNECT_ISSUER: 'pas une url' }).join('\n')).toContain(
      "FRANCECONNECT_ISSUER n'est pas une URL valide",
    );
    expect(
      problems({ NODE_ENV: 'production', ...FC, FRANCECONNECT_ISSUER: 'http://fc.example' }).join('\n'),
    ).toContain('FRANCECONNECT_ISSUER doit être en https:// en production');
    expect(problems({ FC_DEMO_PORT: 'cinq' }).join('\n')).toContain('FC_DEMO_PORT');
    expect(
      problems({
        NODE_ENV: 'production',
        ...FC,
        FRANCECONNECT_CLIENT_SECRET: 'replace-with-the-client-secret',
      }).join('\n'),
    ).toContain("FRANCECONNECT_CLIENT_SECRET est encore la valeur d'exemple");
  });

  it('points npm start at the local FranceConnect, its secret derived from SECRET_KEY', () => {
    const settings = demoFranceConnectSettings({ fcDemoPort: 5000, secretKey: 'k'.repeat(40) });
    expect(settings.issuer).toBe('http://localhost:5000');
    expect(settings.clientSecret).toBe(
      demoFranceConnectSettings({ fcDemoPort: 5000, secretKey: 'k'.repeat(40) }).clientSecret,
    );
    expect(settings.clientSecret).not.toBe(
      demoFranceConnectSettings({ fcDemoPort: 5000, secretKey: 'j'.repeat(40) }).clientSecret,
    );
  });
});
