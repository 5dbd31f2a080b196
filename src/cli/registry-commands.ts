import { readFile } from 'node:fs/promises';
import { parseRegistryCsv } from '../domain/registry/csv.js';
import { importRegistry } from '../domain/registry/import.js';
import { listOutbox } from '../messaging/outbox.js';
import { CliError, type Command } from './command.js';
import { parse } from './core-commands.js';

/** At most this many bad lines are printed; the count of the others follows. */
const MAX_PRINTED_ERRORS = 1000;

export const registryCommands: Command[] = [
  {
    path: ['registry', 'import'],
    usage: 'educonnect registry import FICHIER.csv [--dry-run]',
    summary:
      "importe l'export CSV de la base élèves (élèves, représentants légaux, liens) ; tout ou rien ; --dry-run vérifie sans écrire",
    async run(args, { database, print, log }) {
      const { values, positionals } = parse(args, { 'dry-run': { type: 'boolean' } }, true);
      if (positionals.length !== 1) throw new CliError('Indiquez exactement un fichier CSV');
      const file = positionals[0]!;
      let content: Buffer;
      try {
        content = await readFile(file);
      } catch (error) {
        throw new CliError(
          `Impossible de lire ${file} : ${(error as NodeJS.ErrnoException).code ?? 'erreur'}`,
        );
      }
      const db = await database();
      const started = performance.now();
      const parsed = parseRegistryCsv(content);
      if (parsed.errors.length > 0) {
        for (const error of parsed.errors.slice(0, MAX_PRINTED_ERRORS))
          log(`ligne ${error.line} : ${error.reason}`);
        if (parsed.errors.length > MAX_PRINTED_ERRORS)
          log(`… et ${parsed.errors.length - MAX_PRINTED_ERRORS} autres lignes invalides`);
        throw new CliError(
          `${parsed.errors.length} ligne${parsed.errors.length > 1 ? 's' : ''} invalide${parsed.errors.length > 1 ? 's' : ''} : rien n'a été importé`,
        );
      }
      const dryRun = Boolean(values['dry-run']);
      const summary = await importRegistry(db, parsed.lines, { dryRun });
      print({
        file,
        dryRun,
        ...summary,
        seconds: Math.round(performance.now() - started) / 1000,
      });
    },
  },
  {
    path: ['outbox', 'list'],
    usage: 'educonnect outbox list [--status pending|sent|failed] [--limit N]',
    summary:
      "liste les derniers messages (SMS et courriels) de la file d'envoi, avec leur état et la dernière erreur",
    async run(args, { database, print }) {
      const { values } = parse(args, { status: { type: 'string' }, limit: { type: 'string' } });
      const status = values.status as string | undefined;
      if (status !== undefined && !['pending', 'sent', 'failed'].includes(status))
        throw new CliError('--status doit valoir pending, sent ou failed');
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new CliError('--limit doit être un entier entre 1 et 1000');
      const messages = await listOutbox(await database(), {
        status: status as 'pending' | 'sent' | 'failed' | undefined,
        limit,
      });
      // Bodies carry codes: the operator sees where and whether, not what.
      print(messages.map(({ sealedBody: _body, ...message }) => message));
    },
  },
];
