import { readFile } from 'node:fs/promises';
import { importDirectoryAccounts } from '../demo/aten/directory.js';
import { parseAtenExport } from '../demo/aten/export.js';
import { CliError, type Command } from './command.js';
import { parse } from './core-commands.js';

const MAX_PRINTED_ERRORS = 1000;

export const atenCommands: Command[] = [
  {
    path: ['aten', 'import'],
    usage: 'educonnect aten import FICHIER.csv',
    summary:
      "charge un export de l'annuaire ATEN (comptes et FrEduVecteur) dans l'annuaire ATEN de démonstration ; tout ou rien",
    async run(args, { config, database, hasher, print, log }) {
      const { positionals } = parse(args, {}, true);
      if (positionals.length !== 1) throw new CliError('Indiquez exactement un fichier CSV');
      if (config.production)
        throw new CliError(
          "L'annuaire ATEN de démonstration n'existe pas en production : l'annuaire ATEN est celui de l'académie (ATEN_CAS_URL)",
        );
      const file = positionals[0]!;
      let content: Buffer;
      try {
        content = await readFile(file);
      } catch (error) {
        throw new CliError(
          `Impossible de lire ${file} : ${(error as NodeJS.ErrnoException).code ?? 'erreur'}`,
        );
      }
      const parsed = parseAtenExport(content);
      if (parsed.errors.length > 0) {
        for (const error of parsed.errors.slice(0, MAX_PRINTED_ERRORS))
          log(`ligne ${error.line} : ${error.reason}`);
        const n = parsed.errors.length;
        throw new CliError(
          `${n} ligne${n > 1 ? 's' : ''} invalide${n > 1 ? 's' : ''} : rien n'a été importé`,
        );
      }
      if (parsed.accounts.length === 0)
        throw new CliError("Le fichier ne contient aucun compte : rien n'a été importé");
      const summary = await importDirectoryAccounts(await database(), hasher(), parsed.accounts);
      print({ file, accounts: parsed.accounts.length, ...summary });
    },
  },
];
