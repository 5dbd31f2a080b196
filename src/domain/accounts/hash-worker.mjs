// Worker thread: runs argon2id off the libuv threadpool so hashing never queues token signing.
import { parentPort } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/argon2';

parentPort.on('message', (task) => {
  try {
    const result =
      task.op === 'verify'
        ? verifySync(task.hash, task.password)
        : hashSync(task.password, {
            algorithm: 2,
            memoryCost: task.memoryCost,
            timeCost: task.timeCost,
            parallelism: task.parallelism,
          });
    parentPort.postMessage({ id: task.id, result });
  } catch (error) {
    parentPort.postMessage({ id: task.id, error: String(error?.message ?? error) });
  }
});
