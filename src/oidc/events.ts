import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/availability.js';
import type { AuditLog } from '../domain/audit/audit-log.js';

/** Provider events -> audit table (tokens issued, logouts, revocations) and the log (errors). */
export function registerProviderEvents(provider: Provider, audit: AuditLog, logger: Logger): void {
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const token = ctx.oidc.entities.AccessToken;
    audit.enqueue({
      event: 'tokens.issued',
      accountId: token?.accountId ?? ctx.oidc.entities.Account?.accountId,
      clientId: ctx.oidc.client?.clientId,
      ip: ctx.ip,
      detail: { grantType: ctx.oidc.params?.grant_type, refresh: Boolean(ctx.oidc.entities.RefreshToken) },
    });
  });
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    void audit.record({
      event: 'grant.revoked',
      clientId: ctx.oidc?.client?.clientId,
      ip: ctx.ip,
      detail: { grantId },
    });
  });
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    void audit.record({
      event: 'logout',
      accountId: ctx.oidc.session?.accountId,
      clientId: ctx.oidc.client?.clientId,
      ip: ctx.ip,
    });
  });
  provider.on('backchannel.error', (_ctx, error, client) => {
    logger.warn({ err: error, clientId: client.clientId }, 'back-channel logout delivery failed');
  });
  provider.on('server_error', (_ctx, error) => {
    // an outage is not a bug: one line per request, not a stack trace each
    if (isDatabaseUnavailable(error)) logger.warn({ err: error.message }, 'database unavailable');
    else logger.error({ err: error }, 'provider server error');
  });
  const refused = (event: string) => (_ctx: unknown, error: Error & { error_description?: string }) =>
    logger.info(
      { event, error: error.message, description: error.error_description },
      'oidc request refused',
    );
  provider.on('grant.error', refused('grant.error'));
  provider.on('authorization.error', refused('authorization.error'));
  provider.on('end_session.error', refused('end_session.error'));
  provider.on('userinfo.error', refused('userinfo.error'));
}
