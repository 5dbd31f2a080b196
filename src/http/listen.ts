import type { Server } from 'node:http';

/** The port is taken: one French line for the operator instead of a stack trace. */
export class PortInUseError extends Error {
  constructor(port: number, variable: string) {
    super(
      `Le port ${port} est déjà utilisé par un autre programme : arrêtez-le, ou choisissez un autre port ` +
        `avec ${variable}=… (par exemple ${variable}=${port + 1}).`,
    );
    this.name = 'PortInUseError';
  }
}

/** Listens on `port`; a busy port rejects with PortInUseError naming the variable that sets it. */
export function listen(server: Server, port: number, variable: string, host?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, variable) : error);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.removeListener('error', failed);
      resolve();
    });
  });
}
