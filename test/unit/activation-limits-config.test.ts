import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const dir = () => mkdtempSync(join(tmpdir(), 'educonnect-limits-'));

describe('activation limits configuration', () => {
  it('has defaults, and turns the per-address limits off with 0', () => {
    expect(loadConfig({ DATA_DIR: dir() })).toMatchObject({
      smsHourlyLimit: 5,
      smsNumberHourlyLimit: 15,
      smsFlowLimit: 3,
      smsIpHourlyLimit: 50,
      activationIpHourlyLimit: 50,
      smsCodeDailyGuessLimit: 20,
    });
    expect(
      loadConfig({ DATA_DIR: dir(), SMS_IP_HOURLY_LIMIT: '0', ACTIVATION_IP_HOURLY_LIMIT: '0' }),
    ).toMatchObject({ smsIpHourlyLimit: 0, activationIpHourlyLimit: 0 });
  });

  it('refuses values that would disable a per-number limit, in French', () => {
    try {
      loadConfig({ DATA_DIR: dir(), SMS_FLOW_LIMIT: '0', SMS_CODE_DAILY_GUESS_LIMIT: 'beaucoup' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('SMS_FLOW_LIMIT doit être un entier');
      expect(problems).toContain('SMS_CODE_DAILY_GUESS_LIMIT doit être un entier');
    }
  });
});
