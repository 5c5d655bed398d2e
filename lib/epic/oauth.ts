import { createHash, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, lt } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { epicAccessTokens, oauthLaunches, type Integration } from '@/lib/db/schema';
import type { LaunchToken } from '@/lib/epic/launch-token';
import { openSecret, sealSecret } from '@/lib/secrets';
import { integrationById, openIntegrationSecret } from '@/lib/settings/store';

// Spec section 4: with Authorization Type OAuth, a launch first goes through Epic's SMART on FHIR
// authorization (PKCE S256), and the access token it yields is the Bearer for that participant's
// notifications. oauth4webapi builds and checks the protocol messages.

export const OAUTH_SCOPE = 'launch openid fhirUser';
const PENDING_LAUNCH_MS = 10 * 60 * 1000;
const DISCOVERY_TIMEOUT_MS = 5000;

export type OAuthFailureKind =
  | 'oauth_missing_launch'
  | 'oauth_issuer_not_allowed'
  | 'oauth_discovery_failed'
  | 'oauth_state_mismatch'
  | 'oauth_authorize_refused'
  | 'oauth_token_refused';

export class OAuthLaunchError extends Error {
  /** Which launch failed, once the callback could tell; for the admin's launch log. */
  launch?: { encryptionKey: string; sessionId: string; epicUserId: string };

  constructor(
    readonly kind: OAuthFailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** What waits, sealed, between the launch and Epic's callback. */
interface PendingLaunch {
  token: LaunchToken;
  mode: string | null;
  encryptionKey: string;
  codeVerifier: string;
  authorizationEndpoint: string;
  /** The OAuth server's own issuer (id_token `iss`), when discovery named one; else the FHIR base. */
  authorizationIssuer: string;
}

export interface CompletedAuthorization {
  integration: Integration;
  pending: PendingLaunch;
  accessToken: string;
  expiresAt: Date;
}

/**
 * Checks `iss`, discovers Epic's endpoints, stores the pending launch, and returns where to send
 * the browser and the state, which the caller also binds to this browser (a cookie), so a stolen
 * callback URL cannot be finished in another browser.
 */
export async function beginEpicAuthorization(
  database: Database,
  integration: Integration,
  launch: { token: LaunchToken; issuer: string | null; launchCode: string | null; mode: string | null; encryptionKey: string; redirectUri: string },
): Promise<{ authorizeUrl: URL; state: string }> {
  if (!launch.issuer || !launch.launchCode) throw new OAuthLaunchError('oauth_missing_launch', `the launch has no ${launch.issuer ? 'launch code' : 'iss'}`);
  const issuer = launch.issuer.trim().replace(/\/+$/, '');
  const allowed = integration.epicEnvironment === 'Production' ? integration.oauthIssuersProduction : integration.oauthIssuersTest;
  if (!allowed.includes(issuer)) throw new OAuthLaunchError('oauth_issuer_not_allowed', `iss ${issuer.slice(0, 200)} is not on the ${integration.epicEnvironment} allowlist`);
  const clientId = clientIdOf(integration);
  if (!clientId) throw new OAuthLaunchError('oauth_missing_launch', `no OAuth client ID is set for ${integration.epicEnvironment}`);

  const server = await discover(issuer, integration);
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const pending: PendingLaunch = {
    token: launch.token,
    mode: launch.mode,
    encryptionKey: launch.encryptionKey,
    codeVerifier,
    authorizationEndpoint: server.authorization_endpoint!,
    authorizationIssuer: server.issuer,
  };
  // Launches nobody finished: gone once expired, with the names they hold.
  await database.delete(oauthLaunches).where(lt(oauthLaunches.expiresAt, new Date()));
  await database.insert(oauthLaunches).values({
    state,
    integrationId: integration.id,
    issuer,
    tokenEndpoint: server.token_endpoint!,
    pendingSealed: sealSecret(JSON.stringify(pending), 'oauthPendingLaunch'),
    expiresAt: new Date(Date.now() + PENDING_LAUNCH_MS),
  });

  const authorize = new URL(server.authorization_endpoint!);
  authorize.searchParams.set('response_type', 'code');
  authorize.searchParams.set('client_id', clientId);
  authorize.searchParams.set('redirect_uri', launch.redirectUri);
  authorize.searchParams.set('scope', OAUTH_SCOPE);
  authorize.searchParams.set('launch', launch.launchCode);
  authorize.searchParams.set('aud', issuer);
  authorize.searchParams.set('state', state);
  authorize.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  authorize.searchParams.set('code_challenge_method', 'S256');
  return { authorizeUrl: authorize, state };
}

/** What the browser keeps of the state: its hash, compared at the callback. */
export function stateBinding(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}

/** Epic's callback: the state must be one we issued (each is used once), then the code becomes a token. */
export async function completeEpicAuthorization(
  database: Database,
  callbackUrl: URL,
  redirectUri: string,
  browserBinding: string | undefined,
): Promise<CompletedAuthorization> {
  const state = callbackUrl.searchParams.get('state');
  if (!state || !browserBinding || !safeEqual(stateBinding(state), browserBinding)) {
    throw new OAuthLaunchError('oauth_state_mismatch', 'the callback state does not belong to this browser');
  }
  const [stored] = state
    ? await database.delete(oauthLaunches).where(and(eq(oauthLaunches.state, state), gt(oauthLaunches.expiresAt, new Date()))).returning()
    : [];
  if (!stored) throw new OAuthLaunchError('oauth_state_mismatch', 'the callback state is unknown, used or expired');
  const integration = await integrationById(database, stored.integrationId);
  if (!integration) throw new OAuthLaunchError('oauth_state_mismatch', 'the integration of this launch is gone');
  const pending = revivePending(openSecret(stored.pendingSealed, 'oauthPendingLaunch'));
  try {
    return await exchangeCode(integration, stored, pending, callbackUrl, state!, redirectUri);
  } catch (error) {
    if (error instanceof OAuthLaunchError) {
      error.launch = { encryptionKey: pending.encryptionKey, sessionId: pending.token.meetingKey, epicUserId: pending.token.externalId };
    }
    throw error;
  }
}

async function exchangeCode(
  integration: Integration,
  stored: typeof oauthLaunches.$inferSelect,
  pending: PendingLaunch,
  callbackUrl: URL,
  state: string,
  redirectUri: string,
): Promise<CompletedAuthorization> {
  const server: oauth.AuthorizationServer = {
    issuer: pending.authorizationIssuer,
    authorization_endpoint: pending.authorizationEndpoint,
    token_endpoint: stored.tokenEndpoint,
  };
  const client: oauth.Client = { client_id: clientIdOf(integration) ?? '' };

  let parameters: URLSearchParams;
  try {
    parameters = oauth.validateAuthResponse(server, client, callbackUrl, state);
  } catch (error) {
    throw new OAuthLaunchError('oauth_authorize_refused', describe(error));
  }
  try {
    const clientSecret = openIntegrationSecret(integration, 'oauthClientSecret');
    const response = await oauth.authorizationCodeGrantRequest(
      server,
      client,
      clientSecret ? oauth.ClientSecretPost(clientSecret) : oauth.None(),
      parameters,
      redirectUri,
      pending.codeVerifier,
      { ...insecureAllowed(integration), signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS * 2) },
    );
    const tokens = await oauth.processAuthorizationCodeResponse(server, client, response);
    return {
      integration,
      pending,
      accessToken: tokens.access_token,
      expiresAt: new Date(Date.now() + (tokens.expires_in ?? 3600) * 1000),
    };
  } catch (error) {
    throw new OAuthLaunchError('oauth_token_refused', describe(error));
  }
}

/** Kept sealed for that participant's notifications (lib/epic/notification-worker.ts). */
export async function storeAccessToken(database: Database, orderingKey: string, accessToken: string, expiresAt: Date): Promise<void> {
  const accessTokenSealed = sealSecret(accessToken, 'epicAccessToken');
  await database
    .insert(epicAccessTokens)
    .values({ orderingKey, accessTokenSealed, expiresAt })
    .onConflictDoUpdate({ target: epicAccessTokens.orderingKey, set: { accessTokenSealed, expiresAt } });
}

const smartConfigurationSchema = z.object({ issuer: z.url().optional(), authorization_endpoint: z.url(), token_endpoint: z.url() });
const OAUTH_URIS = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

/** `<iss>/.well-known/smart-configuration` (appended to the base, which has a path), else `<iss>/metadata`. */
async function discover(issuer: string, integration: Integration): Promise<oauth.AuthorizationServer> {
  const fetchJson = async (url: string) => {
    const response = await fetch(url, { headers: { Accept: 'application/json, application/fhir+json' }, redirect: 'error', signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return (await response.json()) as unknown;
  };
  const problems: string[] = [];
  try {
    const configuration = smartConfigurationSchema.parse(await fetchJson(`${issuer}/.well-known/smart-configuration`));
    return checked({ ...configuration, issuer: configuration.issuer ?? issuer }, integration);
  } catch (error) {
    problems.push(`smart-configuration: ${describe(error)}`);
  }
  try {
    const capability = (await fetchJson(`${issuer}/metadata`)) as { rest?: Array<{ security?: { extension?: Array<{ url?: string; extension?: Array<{ url?: string; valueUri?: string }> }> } }> };
    const uris = capability.rest?.flatMap((rest) => rest.security?.extension ?? []).find((extension) => extension.url === OAUTH_URIS)?.extension ?? [];
    const find = (name: string) => uris.find((extension) => extension.url === name)?.valueUri;
    return checked({ issuer, ...smartConfigurationSchema.parse({ authorization_endpoint: find('authorize'), token_endpoint: find('token') }) }, integration);
  } catch (error) {
    problems.push(`metadata: ${describe(error)}`);
  }
  throw new OAuthLaunchError('oauth_discovery_failed', problems.join('; '));
}

/** Production talks to Epic over https only; the Test environment may use http (a local test Epic). */
function checked(server: oauth.AuthorizationServer, integration: Integration): oauth.AuthorizationServer {
  if (integration.epicEnvironment === 'Production') {
    for (const endpoint of [server.authorization_endpoint, server.token_endpoint]) {
      if (!endpoint?.startsWith('https://')) throw new Error(`${endpoint} is not https`);
    }
  }
  return server;
}

function insecureAllowed(integration: Integration) {
  return integration.epicEnvironment === 'Test' ? { [oauth.allowInsecureRequests]: true } : {};
}

function clientIdOf(integration: Integration): string | null {
  return (integration.epicEnvironment === 'Production' ? integration.oauthClientIdProduction : integration.oauthClientIdTest) ?? null;
}

function revivePending(json: string): PendingLaunch {
  const pending = JSON.parse(json) as PendingLaunch;
  const token = pending.token as unknown as Record<string, unknown>;
  for (const field of ['timestamp', 'appointmentTime', 'expiresAt'] as const) {
    if (typeof token[field] === 'string') token[field] = new Date(token[field]);
  }
  return pending;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function describe(error: unknown): string {
  if (error instanceof oauth.AuthorizationResponseError || error instanceof oauth.ResponseBodyError) {
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  }
  return error instanceof Error ? error.message.slice(0, 300) : 'unknown error';
}
