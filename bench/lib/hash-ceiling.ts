import { availableParallelism } from 'node:os';
import { PasswordHasher } from '../../src/domain/accounts/password-hasher.js';

export interface HashCeiling {
  workers: number;
  verifiesPerSecond: number;
  /** CPU milliseconds one verify costs (process CPU over the run / verifies). */
  cpuMsPerVerify: number;
}

/** argon2id verifies per second with every core busy: the product's pool, kept full. */
export async function measureHashCeiling(
  hash: string,
  password: string,
  seconds: number,
): Promise<HashCeiling> {
  const workers = availableParallelism();
  const hasher = new PasswordHasher(workers, 10_000);
  try {
    await Promise.all(Array.from({ length: workers }, () => hasher.verify(hash, password))); // warm up
    let count = 0;
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const end = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: workers * 2 }, async () => {
        while (performance.now() < end) {
          if (!(await hasher.verify(hash, password))) throw new Error('hash ceiling: verify failed');
          count++;
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    return {
      workers,
      verifiesPerSecond: count / elapsed,
      cpuMsPerVerify: (cpu.user + cpu.system) / 1000 / count,
    };
  } finally {
    await hasher.close();
  }
}
