import { describe, expect, it } from 'vitest';
import { FranceConnectClient, FranceConnectError } from '../../src/flows/franceconnect/upstream.js';

describe('FranceConnect client', () => {
  it('reports an unreachable FranceConnect as a discovery failure, and tries again at the next login', async () => {
    const client = new FranceConnectClient(
      { issuer: 'http://127.0.0.1:9', clientId: 'educonnect', clientSecret: 'secret' },
      'http://localhost:3000/franceconnect/callback',
      'http://localhost:3000/franceconnect/deconnexion',
    );
    for (let attempt = 0; attempt < 2; attempt++) {
      const failure = await client.authorizationUrl('s'.repeat(43), 'n'.repeat(43)).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(FranceConnectError);
      expect((failure as FranceConnectError).reason).toBe('discovery');
    }
  });
});
