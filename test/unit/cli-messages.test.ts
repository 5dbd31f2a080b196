import { describe, expect, it } from 'vitest';
import { type CliContext, CliError } from '../../src/cli/command.js';
import { coreCommands } from '../../src/cli/core-commands.js';
import { loadConfig } from '../../src/config/config.js';

const command = (path: string) => coreCommands.find((c) => c.path.join(' ') === path)!;

/** A context whose database must not be reached: these mistakes are caught before any SQL. */
const context: CliContext = {
  config: loadConfig({ NODE_ENV: 'test', SECRET_KEY: 's'.repeat(40), COOKIE_KEYS: 'c'.repeat(40) }),
  database: () => {
    throw new Error('the database was opened');
  },
  hasher: () => {
    throw new Error('the hasher was used');
  },
  print: () => {},
  log: () => {},
};

describe('CLI messages in French, before any SQL', () => {
  it('refuses a birth date that is no calendar day', async () => {
    const args = ['--profile', 'eleve', '--given-name', 'A', '--family-name', 'B', '--birth-date'];
    for (const date of ['2012-02-30', '2011-04-31', '2013-02-29']) {
      const run = command('accounts create').run([...args, date], context);
      await expect(run).rejects.toThrow(CliError);
      await expect(command('accounts create').run([...args, date], context)).rejects.toThrow(
        `--birth-date : date de naissance invalide (« ${date} » n'existe pas)`,
      );
    }
    await expect(command('accounts create').run([...args, '14/03/2011'], context)).rejects.toThrow(
      '--birth-date doit être au format AAAA-MM-JJ',
    );
  });

  it('translates the option parser’s English', async () => {
    const add = command('clients add');
    await expect(add.run(['--name', 'X', '--colour', 'red'], context)).rejects.toThrow(
      'Option inconnue : --colour',
    );
    await expect(add.run(['--name'], context)).rejects.toThrow("L'option --name attend une valeur");
    await expect(command('migrate').run(['maintenant'], context)).rejects.toThrow(
      'Argument inattendu : maintenant',
    );
    await expect(add.run(['--first-party=oui', '--name', 'X'], context)).rejects.toThrow(
      "L'option --first-party ne prend pas de valeur",
    );
  });
});
