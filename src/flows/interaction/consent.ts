import type { AuditLog } from '../../domain/audit/audit-log.js';
import type { Services } from '../services.js';
import type { Interaction } from './interactions.js';

/**
 * Grants what the interaction's consent prompt asks for (scopes, claims, resource scopes) and
 * records it; returns the grant to finish the interaction with.
 */
export async function grantConsent(
  provider: Services['provider'],
  audit: AuditLog,
  interaction: Interaction,
  ip: string,
): Promise<string> {
  const details = interaction.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const grant = interaction.grantId
    ? ((await provider.Grant.find(interaction.grantId)) ?? undefined)
    : new provider.Grant({
        accountId: interaction.session!.accountId,
        clientId: interaction.params.client_id as string,
      });
  if (!grant) throw new Error('grant not found');
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await audit.record({
    event: 'consent.granted',
    accountId: interaction.session?.accountId,
    clientId: interaction.params.client_id as string,
    ip,
    detail: { scopes: details.missingOIDCScope ?? [] },
  });
  return grantId;
}
