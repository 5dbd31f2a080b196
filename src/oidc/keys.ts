import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

/**
 * Signing keys live in a JWKS file (private keys). The first key of each algorithm signs; the others
 * are only published so that tokens they signed still verify. Each key's `kid` starts with its
 * creation time, which tells pending keys (newer than the signer) from retiring ones (older).
 */
export interface SigningJwk extends JWK {
  kid: string;
  alg: 'RS256' | 'ES256';
}

export interface Jwks {
  keys: SigningJwk[];
}

export const ALGORITHMS = ['RS256', 'ES256'] as const;

/** `20260123143015123`: creation time to the millisecond, so kids sort by age. */
function stamp(date = new Date()): string {
  return date
    .toISOString()
    .replace(/[-:T.]/g, '')
    .slice(0, 17);
}

/** A creation time strictly after every existing key's, even within the same millisecond. */
function nextStamp(jwks: Jwks, now: Date): Date {
  const newest = Math.max(
    0,
    ...jwks.keys.map((k) => {
      const digits = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})?/.exec(k.kid);
      if (!digits) return 0;
      const [, y, mo, d, h, mi, s, ms = '0'] = digits;
      return Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, +ms);
    }),
  );
  return new Date(Math.max(now.getTime(), newest + 1));
}

export async function generateSigningKey(alg: SigningJwk['alg'], now = new Date()): Promise<SigningJwk> {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
  });
  const jwk = await exportJWK(privateKey);
  const random = Math.random().toString(36).slice(2, 8);
  return { ...jwk, kid: `${stamp(now)}-${alg.toLowerCase()}-${random}`, alg, use: 'sig' } as SigningJwk;
}

export function readJwks(file: string): Jwks {
  const jwks = JSON.parse(readFileSync(file, 'utf8')) as Jwks;
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error(`${file} ne contient aucune clé`);
  for (const alg of ALGORITHMS) {
    if (!jwks.keys.some((k) => k.alg === alg)) throw new Error(`${file} ne contient aucune clé ${alg}`);
  }
  return jwks;
}

export function writeJwks(file: string, jwks: Jwks): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/** Development: create the JWKS file with one RS256 and one ES256 key if it does not exist yet. */
export async function loadOrCreateJwks(file: string, create: boolean): Promise<Jwks> {
  if (existsSync(file)) return readJwks(file);
  if (!create)
    throw new Error(`Fichier de clés introuvable : ${file} (créez-le avec « educonnect keys rotate »)`);
  const jwks: Jwks = { keys: await Promise.all(ALGORITHMS.map((alg) => generateSigningKey(alg))) };
  writeJwks(file, jwks);
  return jwks;
}

export type KeyState = 'signing' | 'pending' | 'retiring';

export function describeKeys(jwks: Jwks): { kid: string; alg: string; state: KeyState }[] {
  return jwks.keys.map((key) => {
    const signer = jwks.keys.find((k) => k.alg === key.alg)!;
    const state: KeyState = key === signer ? 'signing' : key.kid > signer.kid ? 'pending' : 'retiring';
    return { kid: key.kid, alg: key.alg, state };
  });
}

export type RotationStep = 'published' | 'activated';

/**
 * One step of the rotation cycle:
 * - no pending keys: drop the retiring keys, generate new keys and publish them (they do not sign yet);
 * - pending keys: move them first so they sign; the previous signers stay published, retiring.
 */
export async function rotate(jwks: Jwks, now = new Date()): Promise<{ jwks: Jwks; step: RotationStep }> {
  const states = describeKeys(jwks);
  const pending = jwks.keys.filter((_, i) => states[i]!.state === 'pending');
  if (pending.length > 0) {
    const others = jwks.keys.filter((k) => !pending.includes(k));
    return {
      jwks: { keys: [...pending.sort((a, b) => b.kid.localeCompare(a.kid)), ...others] },
      step: 'activated',
    };
  }
  const signers = jwks.keys.filter((_, i) => states[i]!.state === 'signing');
  const created = nextStamp(jwks, now);
  const fresh = await Promise.all(ALGORITHMS.map((alg) => generateSigningKey(alg, created)));
  return { jwks: { keys: [...signers, ...fresh] }, step: 'published' };
}
