import { describe, expect, it } from 'vitest';
import { ALGORITHMS, describeKeys, generateSigningKey, type Jwks, rotate } from '../../src/oidc/keys.js';

describe('signing key rotation', () => {
  it('publishes new keys before they sign, activates them next, then retires the old ones', async () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const initial: Jwks = { keys: await Promise.all(ALGORITHMS.map((alg) => generateSigningKey(alg, t0))) };
    const oldKids = initial.keys.map((k) => k.kid);

    const published = await rotate(initial, new Date('2026-02-01T00:00:00Z'));
    expect(published.step).toBe('published');
    const afterPublish = describeKeys(published.jwks);
    expect(
      afterPublish
        .filter((k) => k.state === 'signing')
        .map((k) => k.kid)
        .sort(),
    ).toEqual([...oldKids].sort());
    expect(afterPublish.filter((k) => k.state === 'pending')).toHaveLength(2);

    const activated = await rotate(published.jwks, new Date('2026-03-01T00:00:00Z'));
    expect(activated.step).toBe('activated');
    const afterActivate = describeKeys(activated.jwks);
    const signing = afterActivate.filter((k) => k.state === 'signing');
    expect(signing.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(signing.some((k) => oldKids.includes(k.kid))).toBe(false);
    expect(
      afterActivate
        .filter((k) => k.state === 'retiring')
        .map((k) => k.kid)
        .sort(),
    ).toEqual([...oldKids].sort());

    const next = await rotate(activated.jwks, new Date('2026-04-01T00:00:00Z'));
    expect(next.step).toBe('published');
    expect(next.jwks.keys.some((k) => oldKids.includes(k.kid))).toBe(false);
    expect(next.jwks.keys).toHaveLength(4);
  });

  it('orders keys created within the same millisecond: new keys are always pending, never retiring', async () => {
    const now = new Date('2026-05-05T10:00:00.000Z');
    const initial: Jwks = { keys: await Promise.all(ALGORITHMS.map((alg) => generateSigningKey(alg, now))) };
    for (let i = 0; i < 10; i++) {
      const { jwks, step } = await rotate(initial, now);
      expect(step).toBe('published');
      expect(describeKeys(jwks).filter((k) => k.state === 'pending')).toHaveLength(2);
    }
  });
});
