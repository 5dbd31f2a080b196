import type Koa from 'koa';
import type { Config } from '../config/config.js';

/**
 * How a Koa app (ours and oidc-provider's) reads a request that may come through reverse proxies.
 *
 * - Client address: with TRUST_PROXY, the X-Forwarded-For entry appended by the outermost trusted
 *   proxy, i.e. TRUST_PROXY_HOPS entries from the right. Everything to its left was written by the
 *   client and is ignored (Koa alone takes the leftmost value, which let anyone pick the address the
 *   per-IP login throttle counts). Without TRUST_PROXY, the socket's address.
 * - Host and scheme: always ISSUER's, never Host, X-Forwarded-Host or X-Forwarded-Proto, so the URLs
 *   oidc-provider builds (discovery document, redirects) cannot be pointed elsewhere by a header.
 * - Secure cookies: in production, and whenever ISSUER is https, whatever the request looks like (a
 *   TLS proxy speaks http to us, TRUST_PROXY or not).
 */
export function applyProxyPolicy(
  app: Koa,
  config: Pick<Config, 'issuer' | 'production' | 'trustProxy' | 'proxyHops'>,
): void {
  app.proxy = config.trustProxy;
  app.maxIpsCount = config.trustProxy ? config.proxyHops : 0;
  const issuer = new URL(config.issuer);
  const protocol = issuer.protocol.replace(/:$/, '');
  const secure = config.production || protocol === 'https';
  // app.request is this app's own prototype of its requests: the other app is not affected
  Object.defineProperties(app.request, {
    host: { get: () => issuer.host, configurable: true },
    hostname: { get: () => issuer.hostname, configurable: true },
    protocol: { get: () => protocol, configurable: true },
    secure: { get: () => secure, configurable: true },
  });
}
