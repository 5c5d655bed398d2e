import { createHash, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { oauthLaunches, type Integration } from '@/lib/db/schema';
import type { EpicGrant } from '@/lib/epic/oauth-tokens';
import { reviveLaunchToken, type LaunchToken } from '@/lib/epic/launch-token';
import { outgoingFetch, outgoingPolicy, outgoingRequest } from '@/lib/http/outgoing';
import { openSecret, sealSecret } from '@/lib/secrets';
import { integrationById, openIntegrationSecret } from '@/lib/settings/store';

// Spec section 4: with Authorization Type OAuth, a launch first goes through Epic's SMART on FHIR
// authorization (PKCE S256), and the access token it yields is the Bearer for that participant's
// notifications. oauth4webapi builds and checks the protocol messages.

/** online_access: a refresh token for as long as the user is online, so long visits keep a Bearer. */
export const OAUTH_SCOPE = 'launch openid fhirUser online_access';
const PENDING_LAUNCH_MS = 10 * 60 * 1000;
const DISCOVERY_TIMEOUT_MS = 5000;
/** A smart-configuration is a few KB; more is not an answer we need. */
const DISCOVERY_MAX_BYTES = 32 * 1024;
const TOKEN_MAX_BYTES = 16 * 1024;

export type OAuthFailureKind =
  | 'oauth_missing_launch'
  | 'oauth_issuer_not_allowed'
  | 'oauth_discovery_failed'
  | 'oauth_state_mismatch'
  | 'oauth_state_used'
  | 'oauth_no_public_url'
  | 'oauth_authorize_refused'
  | 'oauth_token_refused';

export class OAuthLaunchError extends Error {
  /** Which launch failed, once the callback could tell; for the admin's launch log. */
  launch?: { encryptionKey: string; sessionId: string; epicUserId: string; integrationId?: string };

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
  grant: EpicGrant;
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
    binding: stateBinding(state),
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
  const fromThisBrowser = Boolean(state && browserBinding && safeEqual(stateBinding(state), browserBinding));
  // The EHR refused (the user declined, a bad launch code): that is the cause to log. It grants
  // nothing, but it ends the pending launch only in the browser that started it: anyone can craft
  // this URL, and a known state alone must not cancel someone else's launch.
  const refusal = callbackUrl.searchParams.get('error');
  if (refusal !== null) {
    const [stored] = fromThisBrowser ? await database.delete(oauthLaunches).where(eq(oauthLaunches.state, state!)).returning() : [];
    const error = new OAuthLaunchError('oauth_authorize_refused', describeRefusal(refusal, callbackUrl.searchParams.get('error_description')));
    if (stored) error.launch = { ...launchOf(revivePending(openSecret(stored.pendingSealed, 'oauthPendingLaunch'))), integrationId: stored.integrationId };
    throw error;
  }
  if (!fromThisBrowser) {
    // Named in the launch log by what is known: this browser's own launch (its state cookie), else
    // the launch whose callback URL this is.
    const [own] = browserBinding ? await database.select().from(oauthLaunches).where(eq(oauthLaunches.binding, browserBinding)) : [];
    const [named] = own ? [own] : state ? await database.select().from(oauthLaunches).where(eq(oauthLaunches.state, state)) : [];
    const error =
      !own && named?.usedAt
        ? new OAuthLaunchError('oauth_state_used', 'this callback was already used: its launch was finished once, and a second use gets nothing')
        : new OAuthLaunchError(
            'oauth_state_mismatch',
            own ? "the callback is not the one this browser's launch waits for" : browserBinding ? 'the callback state does not belong to this browser' : 'the browser has no state cookie: the callback was opened in another browser',
          );
    if (named) error.launch = launchOfRow(named);
    throw error;
  }
  const [known] = await database.select().from(oauthLaunches).where(and(eq(oauthLaunches.state, state!), gt(oauthLaunches.expiresAt, new Date())));
  if (!known) throw new OAuthLaunchError('oauth_state_mismatch', 'the callback state is unknown or expired');
  // Claimed once: a second use of the same callback (a reload, a replay) is told it was used.
  const [stored] = await database.update(oauthLaunches).set({ usedAt: new Date() }).where(and(eq(oauthLaunches.state, state!), isNull(oauthLaunches.usedAt))).returning();
  if (!stored) {
    const error = new OAuthLaunchError('oauth_state_used', 'this callback was already used: its launch was finished once, and a second use gets nothing');
    error.launch = launchOfRow(known);
    throw error;
  }
  const integration = await integrationById(database, stored.integrationId);
  if (!integration) throw new OAuthLaunchError('oauth_state_mismatch', 'the integration of this launch is gone');
  const pending = revivePending(openSecret(stored.pendingSealed, 'oauthPendingLaunch'));
  try {
    return await exchangeCode(integration, stored, pending, callbackUrl, state!, redirectUri);
  } catch (error) {
    if (error instanceof OAuthLaunchError) error.launch = { ...launchOf(pending), integrationId: stored.integrationId };
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
    const response = await oauth.authorizationCodeGrantRequest(
      server,
      client,
      clientAuthentication(integration),
      parameters,
      redirectUri,
      pending.codeVerifier,
      tokenRequestOptions(integration, DISCOVERY_TIMEOUT_MS * 2),
    );
    const tokens = await oauth.processAuthorizationCodeResponse(server, client, response);
    return {
      integration,
      pending,
      grant: {
        accessToken: tokens.access_token,
        expiresAt: new Date(Date.now() + (tokens.expires_in ?? 3600) * 1000),
        refreshToken: tokens.refresh_token ?? null,
        integrationId: integration.id,
        tokenEndpoint: stored.tokenEndpoint,
        issuer: pending.authorizationIssuer,
        clientId: client.client_id,
      },
    };
  } catch (error) {
    throw new OAuthLaunchError('oauth_token_refused', describe(error));
  }
}

/**
 * How this server proves itself at Epic's token endpoint: HTTP Basic by default (SMART's
 * confidential-symmetric profile), the secret in the body where the integration asks for it, and
 * no secret for a public client.
 */
export function clientAuthentication(integration: Integration): oauth.ClientAuth {
  const secret = openIntegrationSecret(integration, 'oauthClientSecret');
  if (!secret) return oauth.None();
  if (integration.oauthClientAuth === 'client_secret_post') return oauth.ClientSecretPost(secret);
  if (integration.oauthClientAuth === 'client_secret_basic_encoded') return oauth.ClientSecretBasic(secret);
  return rawClientSecretBasic(secret);
}

/**
 * HTTP Basic with base64 of the plain `id:secret`, as Epic's documentation shows. oauth4webapi's
 * ClientSecretBasic form-encodes both first (RFC 6749 2.3.1), which turns the hyphens of Epic's
 * UUID client IDs into %2D, and servers that compare raw strings (smart-launcher-v2) refuse it.
 */
function rawClientSecretBasic(secret: string): oauth.ClientAuth {
  return (_server, client, _body, headers) => {
    headers.set('authorization', `Basic ${Buffer.from(`${client.client_id}:${secret}`).toString('base64')}`);
  };
}

const smartConfigurationSchema = z.object({ issuer: z.url().optional(), authorization_endpoint: z.url(), token_endpoint: z.url() });
const OAUTH_URIS = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

/** `<iss>/.well-known/smart-configuration` (appended to the base, which has a path), else `<iss>/metadata`. */
async function discover(issuer: string, integration: Integration): Promise<oauth.AuthorizationServer> {
  const fetchJson = async (url: string) => {
    const response = await outgoingRequest({ url, headers: { Accept: 'application/json, application/fhir+json' }, timeoutMs: DISCOVERY_TIMEOUT_MS, maxBytes: DISCOVERY_MAX_BYTES, policy: outgoingPolicy(integration) });
    if (!response.ok) throw new Error(`${url}: ${response.message}`);
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    if (response.truncated) throw new Error(`${url} answered more than ${DISCOVERY_MAX_BYTES} bytes`);
    return JSON.parse(response.body.toString('utf8')) as unknown;
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

/** What every oauth4webapi call to Epic is given: our outgoing-call limits, and http only for Test. */
export function tokenRequestOptions(integration: Integration, timeoutMs: number) {
  return {
    ...(integration.epicEnvironment === 'Test' ? { [oauth.allowInsecureRequests]: true } : {}),
    [oauth.customFetch]: outgoingFetch(outgoingPolicy(integration), timeoutMs, TOKEN_MAX_BYTES),
  };
}

function clientIdOf(integration: Integration): string | null {
  return (integration.epicEnvironment === 'Production' ? integration.oauthClientIdProduction : integration.oauthClientIdTest) ?? null;
}

function revivePending(json: string): PendingLaunch {
  const pending = JSON.parse(json) as PendingLaunch;
  return { ...pending, token: reviveLaunchToken(pending.token) };
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function launchOfRow(row: typeof oauthLaunches.$inferSelect) {
  return { ...launchOf(revivePending(openSecret(row.pendingSealed, 'oauthPendingLaunch'))), integrationId: row.integrationId };
}

function launchOf(pending: PendingLaunch) {
  return { encryptionKey: pending.encryptionKey, sessionId: pending.token.meetingKey, epicUserId: pending.token.externalId };
}

/** What the EHR said, bounded: it arrives in a URL anyone can craft. */
function describeRefusal(error: string, description: string | null): string {
  return `the EHR answered error=${error.slice(0, 100)}${description ? `: ${description.slice(0, 300)}` : ''}`;
}

export function describe(error: unknown): string {
  if (error instanceof oauth.AuthorizationResponseError || error instanceof oauth.ResponseBodyError) {
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  }
  return error instanceof Error ? error.message.slice(0, 300) : 'unknown error';
}
