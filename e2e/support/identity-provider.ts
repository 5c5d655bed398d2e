import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

// A real OpenID Provider (the certified `oidc-provider` package) on loopback, for sign-in tests: a
// confidential client, people in groups, its own signing key, and its development sign-in pages
// (any password; the login names the person). A test may rewrite the ID token the token endpoint
// returns, as a man in the middle or a broken provider would: re-signed with the provider's real key
// (an expired token, another issuer, a replayed one) or altered without re-signing (tampered).

export interface Person {
  email: string;
  name: string;
  groups: string[];
}

export interface IdentityProvider {
  issuer: string;
  /** Every ID token the token endpoint returned, oldest first (before any rewrite). */
  idTokens: string[];
  /** Rewrites the next token responses' ID token; null: pass them as issued. */
  rewriteIdToken(rewrite: ((idToken: string) => string) | null): void;
  /** The token's claims changed and signed again with the provider's own key. */
  resigned(idToken: string, change: (claims: Record<string, unknown>) => Record<string, unknown>): string;
  stop(): Promise<void>;
}

export async function startIdentityProvider(options: {
  port: number;
  client: { id: string; secret: string; redirectUri: string };
  people: Record<string, Person>;
}): Promise<IdentityProvider> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'televisit-test-key';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.client.id,
        client_secret: options.client.secret,
        redirect_uris: [options.client.redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] },
    claims: { openid: ['sub', 'groups'], email: ['email', 'email_verified'], profile: ['name'] },
    // The groups go in the ID token, as Entra ID, Okta and Keycloak are told to put them.
    conformIdTokenClaims: false,
    cookies: { keys: ['televisit identity provider test cookie key'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    findAccount: (_context, id) => {
      const person = options.people[id];
      if (!person) return undefined;
      return { accountId: id, claims: () => ({ sub: id, email: person.email, email_verified: true, name: person.name, groups: person.groups }) };
    },
  });
  provider.on('server_error', (_context, error) => console.error('identity provider error', error));

  const idTokens: string[] = [];
  let rewrite: ((idToken: string) => string) | null = null;
  provider.use(async (context, next) => {
    await next();
    const body = context.body as { id_token?: unknown } | undefined;
    if (context.path !== '/token' || context.status !== 200 || typeof body?.id_token !== 'string') return;
    idTokens.push(body.id_token);
    if (rewrite) context.body = { ...body, id_token: rewrite(body.id_token) };
  });

  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  if ((server.address() as AddressInfo).port !== options.port) throw new Error('the identity provider did not take its port');

  return {
    issuer,
    idTokens,
    rewriteIdToken: (next) => {
      rewrite = next;
    },
    resigned: (idToken, change) => signJwt({ alg: 'RS256', typ: 'JWT', kid }, change(claimsOf(idToken)), privateKey),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The payload of a compact JWS, unverified (the test's own token). */
export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The same token with one claim changed and the signature left as it was: a forgery. */
export function tampered(jwt: string, change: (claims: Record<string, unknown>) => Record<string, unknown>): string {
  const [header, , signature] = jwt.split('.');
  return `${header}.${Buffer.from(JSON.stringify(change(claimsOf(jwt)))).toString('base64url')}.${signature}`;
}

function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}
