import { writeFile } from 'node:fs/promises';
import { pino } from 'pino';
import type { Db } from '../db/database.js';
import { AuditLog } from '../domain/audit/audit-log.js';
import {
  accountsOf,
  establishmentStatistics,
  flagAccounts,
  unlockAccounts,
} from '../domain/school/establishment.js';
import { notificationsPdf } from '../domain/school/notification-pdf.js';
import {
  issueNotifications,
  NotificationError,
  type PersonKind,
  rowsToNotify,
} from '../domain/school/notifications.js';
import { createStaff, StaffError, UAI_PATTERN } from '../domain/school/staff.js';
import { deriveSecret, SecretBox } from '../domain/secrets.js';
import { type CliContext, CliError, type Command } from './command.js';
import { parse } from './core-commands.js';

/**
 * The school console's actions for scripts (JSON output): staff accounts, notifications, reset,
 * unlock, flag, statistics. The audit log records them with `staffId: null` (an operator).
 */
const auditOf = (db: Db) => new AuditLog(db, pino({ level: 'error' }, pino.destination(2)));

function requireUai(value: unknown): string {
  const uai = String(value ?? '').toUpperCase();
  if (!UAI_PATTERN.test(uai))
    throw new CliError('--uai est obligatoire : 7 chiffres et une lettre (ex. 0861234A)');
  return uai;
}

async function requireEstablishment(db: Db, uai: string): Promise<void> {
  const row = await db.selectFrom('establishments').select('uai').where('uai', '=', uai).executeTakeFirst();
  if (!row) throw new CliError(`Établissement absent du registre : ${uai}`);
}

/** The registry row and establishment an account is linked to (a pupil, or a representative). */
async function linkedRow(db: Db, identifier: string) {
  const account = await db
    .selectFrom('accounts')
    .select(['id', 'identifier'])
    .where('identifier', '=', identifier.trim().toLowerCase())
    .executeTakeFirst();
  if (!account) throw new CliError(`Compte introuvable : ${identifier}`);
  const pupil = await db
    .selectFrom('pupils')
    .select(['id', 'establishment_uai as uai'])
    .where('account_id', '=', account.id)
    .executeTakeFirst();
  if (pupil) return { account, kind: 'eleve' as PersonKind, rowId: pupil.id, uai: pupil.uai };
  const representative = await db
    .selectFrom('representatives as r')
    .innerJoin('pupil_representatives as pr', 'pr.representative_id', 'r.id')
    .innerJoin('pupils as p', 'p.id', 'pr.pupil_id')
    .select(['r.id', 'p.establishment_uai as uai'])
    .where('r.account_id', '=', account.id)
    .orderBy('r.id')
    .executeTakeFirst();
  if (representative)
    return { account, kind: 'representant' as PersonKind, rowId: representative.id, uai: representative.uai };
  return { account, kind: undefined, rowId: undefined, uai: undefined };
}

async function issue(
  context: CliContext,
  request: { uai: string; kind: PersonKind; ids: string[] },
  pdfFile: string | undefined,
) {
  const db = await context.database();
  try {
    const sheets = await issueNotifications(
      { db, hasher: context.hasher(), audit: auditOf(db) },
      { ...request, staffId: null, temporaryPasswordDays: context.config.temporaryPasswordDays },
    );
    if (pdfFile)
      await writeFile(pdfFile, await notificationsPdf(sheets, context.config.issuer), { mode: 0o600 });
    return {
      uai: request.uai,
      issued: sheets.length,
      ...(pdfFile ? { pdf: pdfFile } : {}),
      notifications: sheets.map((s) => ({
        profile: s.profile,
        givenName: s.givenName,
        familyName: s.familyName,
        identifier: s.identifier,
        temporaryPassword: s.temporaryPassword,
        expiresAt: s.expiresAt.toISOString(),
      })),
    };
  } catch (error) {
    if (error instanceof NotificationError) throw new CliError(error.message);
    throw error;
  }
}

export const schoolCommands: Command[] = [
  {
    path: ['staff', 'create'],
    usage: 'educonnect staff create --identifier IDENTIFIANT --name "NOM AFFICHÉ" --uai UAI [--uai UAI…]',
    summary:
      "crée un compte de personnel pour la console /etablissement de ces établissements ; affiche une seule fois son mot de passe et le secret TOTP de son application d'authentification",
    async run(args, context) {
      const { values } = parse(args, {
        identifier: { type: 'string' },
        name: { type: 'string' },
        uai: { type: 'string', multiple: true },
      });
      if (!values.identifier) throw new CliError('--identifier est obligatoire');
      if (!values.name) throw new CliError('--name est obligatoire');
      const db = await context.database();
      try {
        const staff = await createStaff(
          db,
          context.hasher(),
          new SecretBox(deriveSecret(context.config.secretKey, 'staff-totp')),
          {
            identifier: String(values.identifier),
            displayName: String(values.name),
            uais: (values.uai as string[] | undefined) ?? [],
          },
        );
        await auditOf(db).record({
          event: 'staff.created',
          detail: { staffId: staff.id, uais: staff.establishments },
        });
        context.print(staff);
      } catch (error) {
        if (error instanceof StaffError) throw new CliError(error.message);
        throw error;
      }
    },
  },
  {
    path: ['notifications', 'issue'],
    usage:
      'educonnect notifications issue --uai UAI (--eleve ID_REGISTRE… | --representant ID_REGISTRE… | --niveau NIVEAU --profil eleve|representant) [--pdf FICHIER.pdf]',
    summary:
      'édite les notifications (identifiant et mot de passe provisoire) de personnes du registre, ou des comptes non activés d’un niveau ; --pdf écrit les notifications à imprimer',
    async run(args, context) {
      const { values } = parse(args, {
        uai: { type: 'string' },
        eleve: { type: 'string', multiple: true },
        representant: { type: 'string', multiple: true },
        niveau: { type: 'string' },
        profil: { type: 'string' },
        pdf: { type: 'string' },
      });
      const uai = requireUai(values.uai);
      const db = await context.database();
      await requireEstablishment(db, uai);
      const pupils = (values.eleve as string[] | undefined) ?? [];
      const representatives = (values.representant as string[] | undefined) ?? [];
      const chosen = [pupils.length > 0, representatives.length > 0, Boolean(values.niveau)].filter(
        Boolean,
      ).length;
      if (chosen !== 1)
        throw new CliError('Indiquez soit --eleve, soit --representant, soit --niveau avec --profil');
      let kind: PersonKind;
      let ids: string[];
      if (values.niveau) {
        if (values.profil !== 'eleve' && values.profil !== 'representant')
          throw new CliError('--profil doit valoir eleve ou representant avec --niveau');
        kind = values.profil;
        ids = await rowsToNotify(db, uai, kind, String(values.niveau));
        if (ids.length === 0) {
          context.print({ uai, issued: 0, notifications: [] });
          return;
        }
      } else {
        kind = pupils.length > 0 ? 'eleve' : 'representant';
        const registryIds = kind === 'eleve' ? pupils : representatives;
        const rows = await db
          .selectFrom(kind === 'eleve' ? 'pupils' : 'representatives')
          .select(['id', 'registry_id'])
          .where('registry_id', 'in', registryIds)
          .execute();
        const missing = registryIds.filter((r) => !rows.some((row) => row.registry_id === r));
        if (missing.length > 0) throw new CliError(`Absent du registre : ${missing.join(', ')}`);
        ids = rows.map((r) => r.id);
      }
      context.print(await issue(context, { uai, kind, ids }, values.pdf as string | undefined));
    },
  },
  {
    path: ['accounts', 'reset'],
    usage: 'educonnect accounts reset --identifier IDENTIFIANT [--pdf FICHIER.pdf]',
    summary:
      'mot de passe oublié : édite une nouvelle notification (nouveau mot de passe provisoire) pour ce compte',
    async run(args, context) {
      const { values } = parse(args, { identifier: { type: 'string' }, pdf: { type: 'string' } });
      if (!values.identifier) throw new CliError('--identifier est obligatoire');
      const db = await context.database();
      const linked = await linkedRow(db, String(values.identifier));
      if (!linked.kind)
        throw new CliError("Ce compte n'est lié à aucune personne du registre d'un établissement");
      context.print(
        await issue(
          context,
          { uai: linked.uai, kind: linked.kind, ids: [linked.rowId] },
          values.pdf as string | undefined,
        ),
      );
    },
  },
  {
    path: ['accounts', 'unlock'],
    usage: 'educonnect accounts unlock --identifier IDENTIFIANT',
    summary: 'débloque un compte bloqué après trop de tentatives de connexion',
    async run(args, context) {
      const { values } = parse(args, { identifier: { type: 'string' } });
      if (!values.identifier) throw new CliError('--identifier est obligatoire');
      const db = await context.database();
      const linked = await linkedRow(db, String(values.identifier));
      await unlockAccounts(
        db,
        auditOf(db),
        deriveSecret(context.config.secretKey, 'throttle'),
        [linked.account],
        {
          staffId: null,
          uai: linked.uai ?? '',
        },
      );
      context.print({ unlocked: [linked.account.identifier] });
    },
  },
  {
    path: ['accounts', 'flag'],
    usage:
      'educonnect accounts flag (--identifier IDENTIFIANT | --uai UAI --profil eleve|representant [--niveau NIVEAU])',
    summary:
      'impose le changement de mot de passe à la prochaine connexion : un compte, un niveau ou un établissement',
    async run(args, context) {
      const { values } = parse(args, {
        identifier: { type: 'string' },
        uai: { type: 'string' },
        profil: { type: 'string' },
        niveau: { type: 'string' },
      });
      const db = await context.database();
      const audit = auditOf(db);
      if (values.identifier) {
        if (values.uai || values.niveau)
          throw new CliError('--identifier ne se combine pas avec --uai ou --niveau');
        const linked = await linkedRow(db, String(values.identifier));
        await flagAccounts(db, audit, [linked.account], { staffId: null, uai: linked.uai ?? '' });
        context.print({ flagged: 1 });
        return;
      }
      const uai = requireUai(values.uai);
      await requireEstablishment(db, uai);
      if (values.profil !== 'eleve' && values.profil !== 'representant')
        throw new CliError('--profil doit valoir eleve ou representant');
      const accounts = await accountsOf(db, uai, {
        kind: values.profil,
        level: values.niveau as string | undefined,
      });
      context.print({ flagged: await flagAccounts(db, audit, accounts, { staffId: null, uai }) });
    },
  },
  {
    path: ['stats'],
    usage: 'educonnect stats --uai UAI',
    summary:
      "statistiques d'un établissement : comptes des représentants et des élèves, activations par semaine, notifications",
    async run(args, context) {
      const { values } = parse(args, { uai: { type: 'string' } });
      const uai = requireUai(values.uai);
      const db = await context.database();
      await requireEstablishment(db, uai);
      context.print({ uai, ...(await establishmentStatistics(db, uai)) });
    },
  },
];
