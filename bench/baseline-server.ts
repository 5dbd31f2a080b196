/**
 * The baseline: a bare oidc-provider (its in-memory adapter, no database, no CSRF, throttling or audit)
 * doing the same browser flow with the same argon2id hashing pool, so that our overhead is a ratio.
 * Started as a child process by bench/run.ts; configured by environment variables.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';
import { PasswordHasher } from '../src/domain/accounts/password-hasher.js';
import { accountIdentifier, REDIRECT_URI } from './lib/flows.js';

const env = process.env;
const port = Number(env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = Number(env.BENCH_ACCOUNTS);
const passwordHash = env.BENCH_PASSWORD_HASH!;
const hasher = new PasswordHasher(Number(env.HASH_WORKERS) || undefined, Number(env.HASH_QUEUE_LIMIT) || 64);

function findByIdentifier(identifier: string): { id: string; hash: string } | undefined {
  const match = /^b\.bench(\d+)$/.exec(identifier);
  const index = match ? Number(match[1]) : -1;
  if (index < 1 || index > accounts || accountIdentifier(index) !== identifier) return undefined;
  return { id: `account-${index}`, hash: passwordHash };
}

const configuration: Configuration = {
  clients: [
    {
      client_id: env.BENCH_CLIENT_ID!,
      client_secret: env.BENCH_CLIENT_SECRET!,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: JSON.parse(readFileSync(env.JWKS_FILE!, 'utf8')),
  cookies: { keys: [env.COOKIE_KEY!] },
  claims: { openid: ['sub'], profile: ['family_name', 'given_name', 'name'], educonnect: [] },
  scopes: ['openid', 'offline_access', 'profile', 'educonnect'],
  responseTypes: ['code'],
  pkce: { required: () => true },
  rotateRefreshToken: true,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async loadExistingGrant(ctx) {
    const oidc = ctx.oidc;
    const grantId = oidc.result?.consent?.grantId || oidc.session!.grantIdFor(oidc.client!.clientId);
    const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    const grant =
      existing ??
      new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId! });
    grant.addOIDCScope([...oidc.requestParamScopes].join(' '));
    await grant.save();
    return grant;
  },
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, given_name: 'Bench', family_name: 'Parent', name: 'Bench Parent' };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
const callback = provider.callback();

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

const page = (body: string) => `<!doctype html><html lang="fr"><body>${body}</body></html>`;

const server = createServer(async (req, res) => {
  const match = /^\/interaction\/([^/?]+)(\/login(?:\/([a-z_]+))?)?$/.exec(req.url!.split('?')[0]!);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    res.setHeader('Cache-Control', 'no-store');
    if (req.method === 'GET' && !match[2]) {
      res.end(page(`<a href="/interaction/${details.uid}/login/responsable_legal">Représentant légal</a>`));
    } else if (req.method === 'GET') {
      res.end(
        page(
          `<form method="post" action="/interaction/${details.uid}/login"><input type="hidden" name="_csrf" value="x"><input name="identifier"><input name="password" type="password"></form>`,
        ),
      );
    } else {
      const form = await readForm(req);
      const account = findByIdentifier((form.get('identifier') ?? '').trim().toLowerCase());
      const password = form.get('password') ?? '';
      const valid = account
        ? await hasher.verify(account.hash, password)
        : await hasher.verifyDummy(password);
      if (!valid || !account) {
        res.statusCode = 401;
        res.end(page('incorrect'));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: account.id } });
    }
  } catch (error) {
    res.statusCode = (error as { name?: string }).name === 'HasherOverloadedError' ? 503 : 500;
    res.end(page(String((error as Error).message)));
  }
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(`baseline ready on ${issuer}`));
process.on('SIGTERM', () => {
  server.close();
  void hasher.close().then(() => process.exit(0));
});
