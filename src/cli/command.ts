import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { PasswordHasher } from '../domain/accounts/password-hasher.js';

/** A mistake in what the operator typed: printed in French, exit code 1, no stack trace. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export interface CliContext {
  config: Config;
  /** The database, migrated to the latest version. */
  database(): Promise<Db>;
  hasher(): PasswordHasher;
  print(value: unknown): void;
  log(message: string): void;
}

export interface Command {
  /** Words that select the command, e.g. ['clients', 'add']. */
  path: string[];
  usage: string;
  summary: string;
  run(args: string[], context: CliContext): Promise<void>;
}
