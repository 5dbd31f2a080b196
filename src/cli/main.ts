import { ConfigError, loadConfig } from '../config/config.js';
import { withDevSecrets } from '../config/dev-secrets.js';
import { type Db, openSharedDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { PasswordHasher } from '../domain/accounts/password-hasher.js';
import { atenCommands } from './aten-commands.js';
import { type CliContext, CliError, type Command } from './command.js';
import { coreCommands } from './core-commands.js';
import { registryCommands } from './registry-commands.js';
import { schoolCommands } from './school-commands.js';

/** Every command of `educonnect`; a flow adds its own list here. */
const commands: Command[] = [...coreCommands, ...registryCommands, ...schoolCommands, ...atenCommands];

function help(): string {
  return [
    'Usage : educonnect <commande> [options]',
    '',
    ...commands.map((c) => `  ${c.usage}\n      ${c.summary}`),
    '',
    'La base utilisée est celle du serveur : DATABASE_URL, sinon la base embarquée dans DATA_DIR (./data),',
    'à travers le serveur quand il tourne (jamais ouverte par deux processus).',
  ].join('\n');
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help' || argv[0] === '-h') {
    console.log(help());
    return argv.length === 0 ? 1 : 0;
  }
  const command = commands
    .filter((c) => c.path.every((word, i) => argv[i] === word))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (!command) {
    console.error(`Commande inconnue : ${argv.slice(0, 2).join(' ')}\n\n${help()}`);
    return 1;
  }
  let db: Db | undefined;
  let hasher: PasswordHasher | undefined;
  try {
    // The server's own development secrets (DATA_DIR/secrets.json): client secrets are sealed with them.
    const config = withDevSecrets(loadConfig(env));
    const context: CliContext = {
      config,
      async database() {
        if (!db) {
          db = await openSharedDatabase({
            ...config,
            poolSize: 2,
            // batch commands (a registry import) legitimately run statements longer than a web request's
            databaseStatementTimeoutMs: 0,
            onLockWait: (owner) =>
              console.error(
                owner.role === 'server'
                  ? `La base embarquée est en cours d’ouverture par le serveur (processus ${owner.pid}) : attente…`
                  : `La base embarquée est utilisée par une autre commande educonnect (processus ${owner.pid}) : attente…`,
              ),
          });
          await migrateToLatest(db);
        }
        return db;
      },
      hasher() {
        hasher ??= new PasswordHasher(1);
        return hasher;
      },
      print: (value) => console.log(JSON.stringify(value, null, 2)),
      log: (message) => console.error(message),
    };
    await command.run(argv.slice(command.path.length), context);
    return 0;
  } catch (error) {
    if (error instanceof CliError || error instanceof ConfigError) {
      console.error(`Erreur : ${error.message}\nUsage : ${command.usage}`);
      return 1;
    }
    console.error(`Erreur : ${(error as Error).message}`);
    return 1;
  } finally {
    await hasher?.close();
    await db?.destroy();
  }
}

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
