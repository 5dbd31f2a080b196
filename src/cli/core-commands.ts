import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { migrateToLatest } from '../db/migrate.js';
import { createAccountWithTemporaryPassword, isProfile } from '../domain/accounts/accounts.js';
import {
  addClient,
  ClientValidationError,
  clientSecretBox,
  listClients,
  removeClient,
} from '../oidc/clients.js';
import { describeKeys, loadOrCreateJwks, rotate, writeJwks } from '../oidc/keys.js';
import { CliError, type Command } from './command.js';

type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Strict option parsing: an unknown option or a missing value is an operator error. */
export function parse(args: string[], options: ParseArgsOptionsConfig, positionals = false) {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: positionals, strict: true });
    return { values: parsed.values as OptionValues, positionals: parsed.positionals };
  } catch (error) {
    throw new CliError(frenchParseError(error as Error & { code?: string }));
  }
}

/** node:util parseArgs speaks English: the operator reads French. */
function frenchParseError(error: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  const option = quoted.split(/[\s,]/)[0] ?? quoted;
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `Option inconnue : ${option}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(error.message)
        ? `L'option ${option} attend une valeur`
        : `L'option ${option} ne prend pas de valeur`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `Argument inattendu : ${quoted}`;
    default:
      return 'Option invalide';
  }
}

/** `AAAA-MM-JJ` naming a real calendar day (2012-02-30 is not one, whatever Date.parse thinks). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export const coreCommands: Command[] = [
  {
    path: ['migrate'],
    usage: 'educonnect migrate',
    summary: 'applique les migrations de la base de données',
    async run(args, { database, print }) {
      parse(args, {});
      // database() already migrates; report what the call itself applied.
      const db = await database();
      print({ applied: await migrateToLatest(db), status: 'à jour' });
    },
  },
  {
    path: ['clients', 'add'],
    usage:
      'educonnect clients add --name NOM --redirect-uri URI [--redirect-uri URI...] [--post-logout-redirect-uri URI] [--backchannel-logout-uri URI] [--client-uri URI] [--first-party] [--id-token-alg RS256|ES256]',
    summary:
      'enregistre un service (ENT, téléservice) et affiche son client_id et son client_secret (une seule fois : il est ensuite conservé chiffré)',
    async run(args, { database, print, config }) {
      const { values } = parse(args, {
        name: { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        'post-logout-redirect-uri': { type: 'string', multiple: true },
        'backchannel-logout-uri': { type: 'string' },
        'client-uri': { type: 'string' },
        'first-party': { type: 'boolean' },
        'id-token-alg': { type: 'string' },
      });
      if (!values.name) throw new CliError('--name est obligatoire');
      try {
        const client = await addClient(
          await database(),
          {
            name: values.name as string,
            redirectUris: (values['redirect-uri'] as string[] | undefined) ?? [],
            postLogoutRedirectUris: values['post-logout-redirect-uri'] as string[] | undefined,
            backchannelLogoutUri: values['backchannel-logout-uri'] as string | undefined,
            clientUri: values['client-uri'] as string | undefined,
            firstParty: Boolean(values['first-party']),
            idTokenAlg: values['id-token-alg'] as string | undefined,
          },
          config.production,
          clientSecretBox(config.secretKey),
        );
        print(client);
      } catch (error) {
        if (error instanceof ClientValidationError) throw new CliError(error.message);
        throw error;
      }
    },
  },
  {
    path: ['clients', 'list'],
    usage: 'educonnect clients list',
    summary: 'liste les services enregistrés (sans leurs secrets)',
    async run(args, { database, print }) {
      parse(args, {});
      print(await listClients(await database()));
    },
  },
  {
    path: ['clients', 'remove'],
    usage: 'educonnect clients remove CLIENT_ID',
    summary: 'supprime un service et les jetons qui lui ont été délivrés',
    async run(args, { database, print }) {
      const { positionals } = parse(args, {}, true);
      if (positionals.length !== 1) throw new CliError('Indiquez exactement un CLIENT_ID');
      const clientId = positionals[0]!;
      if (!(await removeClient(await database(), clientId)))
        throw new CliError(`Service introuvable : ${clientId}`);
      print({ removed: clientId });
    },
  },
  {
    path: ['accounts', 'create'],
    usage:
      'educonnect accounts create --profile eleve|responsable_legal --given-name PRÉNOM --family-name NOM [--birth-date AAAA-MM-JJ]',
    summary: 'crée un compte avec un mot de passe provisoire (à changer à la première connexion)',
    async run(args, { database, hasher, print }) {
      const { values } = parse(args, {
        profile: { type: 'string' },
        'given-name': { type: 'string' },
        'family-name': { type: 'string' },
        'birth-date': { type: 'string' },
      });
      if (!isProfile(values.profile)) throw new CliError('--profile doit valoir eleve ou responsable_legal');
      const givenName = String(values['given-name'] ?? '').trim();
      const familyName = String(values['family-name'] ?? '').trim();
      if (!givenName || !familyName) throw new CliError('--given-name et --family-name sont obligatoires');
      if (givenName.length > 100 || familyName.length > 100)
        throw new CliError('Le nom et le prénom font au plus 100 caractères');
      if (!/\p{L}/u.test(givenName) || !/\p{L}/u.test(familyName)) {
        throw new CliError('Le nom et le prénom doivent contenir au moins une lettre');
      }
      const birthDate = values['birth-date'] as string | undefined;
      if (birthDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(birthDate))
        throw new CliError('--birth-date doit être au format AAAA-MM-JJ');
      if (birthDate !== undefined && !isCalendarDate(birthDate))
        throw new CliError(`--birth-date : date de naissance invalide (« ${birthDate} » n'existe pas)`);
      const { account, temporaryPassword } = await createAccountWithTemporaryPassword(
        await database(),
        hasher(),
        {
          profile: values.profile as 'eleve' | 'responsable_legal',
          givenName,
          familyName,
          birthDate,
        },
      );
      print({ identifier: account.identifier, temporaryPassword, profile: account.profile, id: account.id });
    },
  },
  {
    path: ['keys', 'rotate'],
    usage: 'educonnect keys rotate',
    summary: 'fait avancer la rotation des clés de signature d’une étape (publier, puis activer)',
    async run(args, { config, print }) {
      parse(args, {});
      const current = await loadOrCreateJwks(config.jwksFile, true);
      const { jwks, step } = await rotate(current);
      writeJwks(config.jwksFile, jwks);
      print({
        step,
        file: config.jwksFile,
        keys: describeKeys(jwks),
        next:
          step === 'published'
            ? 'Nouvelles clés publiées sans signer. Redémarrez chaque instance, attendez que les services aient rechargé le JWKS (24 h), puis relancez « educonnect keys rotate » pour les activer.'
            : 'Nouvelles clés actives. Les anciennes restent publiées pour vérifier les jetons en cours ; elles seront retirées à la prochaine rotation. Redémarrez chaque instance.',
      });
    },
  },
  {
    path: ['keys', 'list'],
    usage: 'educonnect keys list',
    summary: 'liste les clés de signature et leur état (signing, pending, retiring)',
    async run(args, { config, print }) {
      parse(args, {});
      const jwks = await loadOrCreateJwks(config.jwksFile, false).catch((error: Error) => {
        throw new CliError(error.message);
      });
      print({ file: config.jwksFile, keys: describeKeys(jwks) });
    },
  },
];
