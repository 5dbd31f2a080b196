import Router from '@koa/router';
import type { Context } from 'koa';
import { createElement } from 'preact';
import type { ConsoleContext } from '../../../views/school-console/frame.js';
import { EstablishmentsPage } from '../../../views/school-console/frame.js';
import { PeoplePage } from '../../../views/school-console/people.js';
import { PrintableNotificationsPage } from '../../../views/school-console/printable.js';
import { PhoneRequestsPage, ReportsPage } from '../../../views/school-console/requests.js';
import { StaffSecondFactorPage, StaffSignInPage } from '../../../views/school-console/sign-in.js';
import { StatisticsPage } from '../../../views/school-console/statistics.js';
import { ACCOUNT_POLICY, IP_POLICY, recordFailure, throttleKey } from '../../domain/accounts/throttle.js';
import { maskPhone } from '../../domain/registry/phone.js';
import {
  ACCOUNT_STATE_LABELS,
  accountsOf,
  establishmentStatistics,
  flagAccounts,
  levelsOf,
  linkReports,
  listPeople,
  markReportHandled,
  unlockAccounts,
} from '../../domain/school/establishment.js';
import { frenchDate, notificationsPdf, notificationText } from '../../domain/school/notification-pdf.js';
import {
  issueNotifications,
  NotificationError,
  type PersonKind,
  rowsToNotify,
} from '../../domain/school/notifications.js';
import { decidePhoneChange, phoneChangeRequests } from '../../domain/school/phone-requests.js';
import {
  checkStaffPassword,
  closeStaffSession,
  countTotpFailure,
  establishmentsOfStaff,
  findStaffByIdentifier,
  loadStaffSession,
  MAX_TOTP_FAILURES,
  openStaffSession,
  type StaffSession,
  staffMayActOn,
  throttleWait,
  verifyStaffTotp,
} from '../../domain/school/staff.js';
import { deriveSecret, SecretBox } from '../../domain/secrets.js';
import { FORM_ERROR, formParser, MalformedFormError, textField } from '../../http/form.js';
import { renderMessage, renderPage } from '../../http/render.js';
import { FAILED_LOGIN_MESSAGE } from '../login/routes.js';
import type { Services } from '../services.js';
import { ACTION_NOTICES, STAFF_COOKIE } from './state.js';

const isKind = (value: string): value is PersonKind => value === 'eleve' || value === 'representant';
const SECTION_OF: Record<PersonKind, string> = { eleve: 'eleves', representant: 'representants' };

/**
 * The school console at /etablissement: staff sign in with a password and a TOTP code, then act only
 * on their establishments (any other UAI is « Page introuvable », like one that does not exist).
 * Every action is in the audit log with the staff member's id.
 */
export function schoolConsoleRoutes(services: Services): Router {
  const { db, csrf, audit, hasher, config, throttleSecret } = services;
  const box = new SecretBox(deriveSecret(config.secretKey, 'staff-totp'));
  const router = new Router({ prefix: '/etablissement' });
  const parseForm = formParser('32kb');
  const loginUrl = config.issuer;

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  const setCookie = (ctx: Context, token: string | null) =>
    ctx.cookies.set(STAFF_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secure || config.production,
      path: '/etablissement',
      signed: true,
      overwrite: true,
    });
  const session = (ctx: Context) => loadStaffSession(db, ctx.cookies.get(STAFF_COOKIE, { signed: true }));

  /** The signed-in staff member, or a redirect to the sign-in page. */
  async function requireStaff(ctx: Context): Promise<StaffSession | undefined> {
    const current = await session(ctx);
    if (current?.stage === 'active') return current;
    ctx.redirect('/etablissement/connexion');
    return undefined;
  }
  const notFound = (ctx: Context) =>
    renderMessage(
      ctx,
      {
        title: 'Page introuvable',
        paragraphs: ["Cette page n'existe pas."],
        tone: 'error',
        link: { href: '/etablissement', label: 'Mes établissements' },
      },
      404,
    );
  /** The staff member and the establishment of the URL, when they may act on it. */
  async function requireEstablishment(
    ctx: Context,
  ): Promise<{ staff: StaffSession; context: ConsoleContext } | undefined> {
    const staff = await requireStaff(ctx);
    if (!staff) return undefined;
    const uai = String(ctx.params.uai ?? '');
    if (!(await staffMayActOn(db, staff.staff.id, uai))) {
      notFound(ctx);
      return undefined;
    }
    const establishment = await db
      .selectFrom('establishments')
      .select('name')
      .where('uai', '=', uai)
      .executeTakeFirstOrThrow();
    return {
      staff,
      context: {
        csrf: csrf.token(ctx),
        staffName: staff.staff.display_name,
        uai,
        establishmentName: establishment.name,
      },
    };
  }
  const actor = (ctx: Context, staff: StaffSession) => ({
    staffId: staff.staff.id,
    uai: String(ctx.params.uai),
    ip: ctx.ip,
  });
  const back = (ctx: Context, path: string, done: string) => {
    ctx.status = 303;
    ctx.redirect(`/etablissement/${ctx.params.uai}/${path}?fait=${done}`);
  };
  const notice = (ctx: Context) => ACTION_NOTICES[String(ctx.query.fait ?? '')];

  // --- Sign in: password, then the TOTP code ------------------------------------------------
  const signIn = (
    ctx: Context,
    props: { identifier?: string; message?: string; errors?: Record<string, string> } = {},
    status = 200,
  ) => renderPage(ctx, createElement(StaffSignInPage, { csrf: csrf.token(ctx), ...props }), status);
  const secondFactor = (
    ctx: Context,
    props: { message?: string; errors?: Record<string, string> } = {},
    status = 200,
  ) => renderPage(ctx, createElement(StaffSecondFactorPage, { csrf: csrf.token(ctx), ...props }), status);

  router.get('/connexion', async (ctx) => signIn(ctx));

  router.post('/connexion', parseForm, async (ctx) => {
    csrf.checkForm(ctx);
    const identifier = textField(ctx.request.body, 'identifier', 64).trim().toLowerCase();
    const password = textField(ctx.request.body, 'password', 128);
    const errors: Record<string, string> = {};
    if (!identifier) errors.identifier = 'Saisissez votre identifiant.';
    if (!password) errors.password = 'Saisissez votre mot de passe.';
    if (Object.keys(errors).length > 0) return signIn(ctx, { identifier, message: FORM_ERROR, errors }, 400);
    const accountKey = throttleKey(throttleSecret, 'account', `staff:${identifier}`);
    const ipKey = throttleKey(throttleSecret, 'ip', ctx.ip);
    const wait = await throttleWait(db, [accountKey, ipKey]);
    if (wait > 0) {
      ctx.set('Retry-After', String(wait));
      const minutes = Math.ceil(wait / 60);
      return signIn(
        ctx,
        {
          identifier,
          message: `Trop de tentatives de connexion. Réessayez dans ${minutes} minute${minutes > 1 ? 's' : ''}.`,
        },
        429,
      );
    }
    const staff = await findStaffByIdentifier(db, identifier);
    if (!(await checkStaffPassword(hasher, staff, password)) || !staff) {
      await Promise.all([recordFailure(db, accountKey, ACCOUNT_POLICY), recordFailure(db, ipKey, IP_POLICY)]);
      await audit.record({ event: 'staff.login_failure', ip: ctx.ip, detail: { stage: 'password' } });
      return signIn(ctx, { identifier, message: FAILED_LOGIN_MESSAGE }, 401);
    }
    setCookie(ctx, await openStaffSession(db, staff.id, config.staffSessionMinutes));
    ctx.status = 303;
    ctx.redirect('/etablissement/verification');
  });

  router.get('/verification', async (ctx) => {
    const current = await session(ctx);
    if (current?.stage !== 'password')
      return ctx.redirect(current ? '/etablissement' : '/etablissement/connexion');
    secondFactor(ctx);
  });

  router.post('/verification', parseForm, async (ctx) => {
    csrf.checkForm(ctx);
    const current = await session(ctx);
    if (current?.stage !== 'password') {
      ctx.status = 303;
      return ctx.redirect(current ? '/etablissement' : '/etablissement/connexion');
    }
    const code = textField(ctx.request.body, 'code', 20).replace(/\s/g, '');
    if (!/^[0-9]{6}$/.test(code))
      return secondFactor(
        ctx,
        { message: FORM_ERROR, errors: { code: 'Saisissez les 6 chiffres du code.' } },
        400,
      );
    const accountKey = throttleKey(throttleSecret, 'account', `staff:${current.staff.identifier}`);
    if (!(await verifyStaffTotp(db, box, current.staff, code))) {
      const failures = await countTotpFailure(db, current.tokenHash);
      await recordFailure(db, accountKey, ACCOUNT_POLICY);
      await audit.record({
        event: 'staff.login_failure',
        ip: ctx.ip,
        detail: { stage: 'totp', staffId: current.staff.id },
      });
      if (failures >= MAX_TOTP_FAILURES) {
        await closeStaffSession(db, current.tokenHash);
        setCookie(ctx, null);
        return signIn(ctx, { message: 'Trop de codes erronés : reconnectez-vous.' }, 401);
      }
      return secondFactor(
        ctx,
        { message: FORM_ERROR, errors: { code: 'Ce code est incorrect ou a déjà servi.' } },
        401,
      );
    }
    await closeStaffSession(db, current.tokenHash);
    setCookie(ctx, await openStaffSession(db, current.staff.id, config.staffSessionMinutes, 'active'));
    await audit.record({ event: 'staff.login', ip: ctx.ip, detail: { staffId: current.staff.id } });
    ctx.status = 303;
    ctx.redirect('/etablissement');
  });

  router.post('/deconnexion', parseForm, async (ctx) => {
    csrf.checkForm(ctx);
    const current = await session(ctx);
    if (current) {
      await closeStaffSession(db, current.tokenHash);
      await audit.record({ event: 'staff.logout', ip: ctx.ip, detail: { staffId: current.staff.id } });
    }
    setCookie(ctx, null);
    ctx.status = 303;
    ctx.redirect('/etablissement/connexion');
  });

  // --- The establishments and their pages ---------------------------------------------------
  router.get('/', async (ctx) => {
    const staff = await requireStaff(ctx);
    if (!staff) return;
    const establishments = await establishmentsOfStaff(db, staff.staff.id);
    if (establishments.length === 1) return ctx.redirect(`/etablissement/${establishments[0]!.uai}/eleves`);
    renderPage(
      ctx,
      createElement(EstablishmentsPage, {
        csrf: csrf.token(ctx),
        staffName: staff.staff.display_name,
        establishments,
      }),
    );
  });

  router.get('/:uai', async (ctx) => {
    if (await requireEstablishment(ctx)) ctx.redirect(`/etablissement/${ctx.params.uai}/eleves`);
  });

  for (const kind of ['eleve', 'representant'] as const) {
    router.get(`/:uai/${SECTION_OF[kind]}`, async (ctx) => {
      const at = await requireEstablishment(ctx);
      if (!at) return;
      const level = typeof ctx.query.niveau === 'string' ? ctx.query.niveau.slice(0, 20) : '';
      const search = typeof ctx.query.q === 'string' ? ctx.query.q.slice(0, 100) : '';
      const [levels, people] = await Promise.all([
        levelsOf(db, at.context.uai),
        listPeople(db, throttleSecret, at.context.uai, kind, { level, search }),
      ]);
      renderPage(
        ctx,
        createElement(PeoplePage, {
          context: at.context,
          kind,
          levels,
          level: levels.includes(level) ? level : '',
          search,
          notice: notice(ctx),
          people: people.map((p) => ({
            id: p.id,
            name: `${p.givenName} ${p.familyName}`,
            levels: p.levels.join(', '),
            detail: p.detail,
            mobile: kind === 'representant' ? (p.hasMobile ? 'Oui' : 'Non') : undefined,
            identifier: p.identifier,
            state:
              p.state === 'issued' && p.expiresAt
                ? `${ACCOUNT_STATE_LABELS.issued} (expire le ${frenchDate(p.expiresAt)})`
                : ACCOUNT_STATE_LABELS[p.state],
            hasAccount: p.accountId !== null,
          })),
        }),
      );
    });
  }

  /** Which people an action is for: one (`id`), a level (`niveau`), or all (`tout`). */
  function readScope(body: unknown) {
    const kind = textField(body, 'kind', 20);
    if (!isKind(kind)) throw new MalformedFormError('kind');
    const id = textField(body, 'id', 36);
    const level = textField(body, 'niveau', 20);
    const all = textField(body, 'tout', 1) === '1';
    if (id && !/^[0-9a-f-]{36}$/.test(id)) throw new MalformedFormError('id');
    if (!id && !level && !all) throw new MalformedFormError('id');
    return { kind, id: id || undefined, level: id ? undefined : level || undefined, all };
  }

  router.post('/:uai/notifications', parseForm, async (ctx) => {
    const at = await requireEstablishment(ctx);
    if (!at) return;
    csrf.checkForm(ctx);
    const scope = readScope(ctx.request.body);
    const format = textField(ctx.request.body, 'format', 10);
    if (format !== 'pdf' && format !== 'html') throw new MalformedFormError('format');
    const uai = at.context.uai;
    const ids = scope.id
      ? [scope.id]
      : scope.level
        ? await rowsToNotify(db, uai, scope.kind, scope.level)
        : [];
    if (ids.length === 0) return back(ctx, SECTION_OF[scope.kind], 'aucune');
    let sheets: Awaited<ReturnType<typeof issueNotifications>>;
    try {
      sheets = await issueNotifications(services, {
        uai,
        kind: scope.kind,
        ids,
        staffId: at.staff.staff.id,
        temporaryPasswordDays: config.temporaryPasswordDays,
        ip: ctx.ip,
      });
    } catch (error) {
      if (!(error instanceof NotificationError)) throw error;
      return renderMessage(
        ctx,
        {
          title: 'Notification non éditée',
          paragraphs: [error.message, 'Aucune notification n’a été éditée.'],
          tone: 'error',
          link: { href: `/etablissement/${uai}/${SECTION_OF[scope.kind]}`, label: 'Revenir à la liste' },
        },
        409,
      );
    }
    if (format === 'pdf') {
      ctx.type = 'application/pdf';
      ctx.set('Content-Disposition', `attachment; filename="notifications-${uai}.pdf"`);
      ctx.body = await notificationsPdf(sheets, loginUrl);
      return;
    }
    renderPage(
      ctx,
      createElement(PrintableNotificationsPage, {
        sheets: sheets.map((s) => notificationText(s, loginUrl)),
        backHref: `/etablissement/${uai}/${SECTION_OF[scope.kind]}`,
      }),
    );
  });

  router.post('/:uai/deblocage', parseForm, async (ctx) => {
    const at = await requireEstablishment(ctx);
    if (!at) return;
    csrf.checkForm(ctx);
    const scope = readScope(ctx.request.body);
    const accounts = await accountsOf(db, at.context.uai, scope);
    await unlockAccounts(db, audit, throttleSecret, accounts, actor(ctx, at.staff));
    back(ctx, SECTION_OF[scope.kind], 'debloque');
  });

  router.post('/:uai/mot-de-passe-a-changer', parseForm, async (ctx) => {
    const at = await requireEstablishment(ctx);
    if (!at) return;
    csrf.checkForm(ctx);
    const scope = readScope(ctx.request.body);
    const accounts = await accountsOf(db, at.context.uai, scope);
    await flagAccounts(db, audit, accounts, actor(ctx, at.staff));
    back(ctx, SECTION_OF[scope.kind], 'force');
  });

  router.get('/:uai/statistiques', async (ctx) => {
    const at = await requireEstablishment(ctx);
    if (!at) return;
    const s = await establishmentStatistics(db, at.context.uai);
    const ratio = (part: number, whole: number) =>
      `${part} sur ${whole}${whole > 0 ? ` (${Math.round((100 * part) / whole)} %)` : ''}`;
    renderPage(
      ctx,
      createElement(StatisticsPage, {
        context: at.context,
        stats: {
          rows: [
            {
              label: 'Représentants légaux avec un compte',
              value: ratio(s.representativesWithAccount, s.representatives),
            },
            {
              label: 'Représentants légaux sans compte',
              value: String(s.representatives - s.representativesWithAccount),
            },
            { label: 'Élèves avec un compte', value: ratio(s.pupilsWithAccount, s.pupils) },
            { label: 'Notifications pas encore utilisées', value: String(s.notificationsUnused) },
            { label: 'Notifications expirées sans avoir servi', value: String(s.notificationsExpired) },
          ],
          weeks: s.activationsPerWeek.map((w) => ({
            week: `${w.week.slice(8, 10)}/${w.week.slice(5, 7)}`,
            count: w.count,
          })),
        },
      }),
    );
  });

  router.get('/:uai/signalements', async (ctx) => {
    const at = await requireEstablishment(ctx);
    if (!at) return;
    const reports = await linkReports(db, at.context.uai);
    renderPage(
      ctx,
      createElement(ReportsPage, {
        context: at.context,
        notice: notice(ctx),
        reports: reports.map((r) => ({
          accountId: r.accountId,
          pupilId: r.pupilId,
          reporter: r.reporter,
          pupil: r.pupil,
          level: r.level ?? '',
          reportedAt: frenchDate(r.reportedAt),
          handledAt: r.handledAt ? frenchDate(r.handledAt) : null,
        })),
      }),
    );
  });

  router.post('/:uai/signalements', parseForm, async (ctx) => {
    const at = await requireEstablishment(ctx);
    if (!at) return;
    csrf.checkForm(ctx);
    const accountId = textField(ctx.request.body, 'account', 36);
    const pupilId = textField(ctx.request.body, 'pupil', 36);
    if (!/^[0-9a-f-]{36}$/.test(accountId)) throw new MalformedFormError('account');
    if (!/^[0-9a-f-]{36}$/.test(pupilId)) throw new MalformedFormError('pupil');
    if (!(await markReportHandled(db, audit, { accountId, pupilId }, { ...actor(ctx, at.staff) })))
      return notFound(ctx);
    back(ctx, 'signalements', 'signalement');
  });

  router.get('/:uai/numeros', async (ctx) => {
    const at = await requireEstablishment(ctx);
    if (!at) return;
    const requests = await phoneChangeRequests(db, at.context.uai);
    const STATUS = { pending: 'En attente', accepted: 'Numéro mis à jour', rejected: 'Rejetée' };
    renderPage(
      ctx,
      createElement(PhoneRequestsPage, {
        context: at.context,
        notice: notice(ctx),
        requests: requests.map((r) => ({
          id: r.id,
          requester: r.requester,
          mobile: r.mobile,
          knownMobile: r.knownMobile ? maskPhone(r.knownMobile) : 'aucun',
          pupil: r.pupil,
          birthDate: r.birthDate,
          createdAt: frenchDate(r.createdAt),
          status: STATUS[r.status],
          pending: r.status === 'pending',
        })),
      }),
    );
  });

  router.post('/:uai/numeros/:id', parseForm, async (ctx) => {
    const at = await requireEstablishment(ctx);
    if (!at) return;
    csrf.checkForm(ctx);
    const decision = textField(ctx.request.body, 'decision', 10);
    if (decision !== 'accepter' && decision !== 'rejeter') throw new MalformedFormError('decision');
    const accept = decision === 'accepter';
    if (!(await decidePhoneChange(db, audit, String(ctx.params.id), accept, actor(ctx, at.staff))))
      return notFound(ctx);
    back(ctx, 'numeros', accept ? 'numero' : 'rejet');
  });

  return router;
}
