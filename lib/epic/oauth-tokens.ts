import { eq, sql } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import type { Database } from '@/lib/db/client';
import { epicAccessTokens, type Integration } from '@/lib/db/schema';
import { clientAuthentication, describe, tokenRequestOptions } from '@/lib/epic/oauth';
import { log } from '@/lib/log';
import { openSecret, sealSecret } from '@/lib/secrets';

// The Bearer of one participant's notifications (spec section 4): the access token from that
// participant's own launch, never anyone else's. It lasts about an hour; with a refresh token
// (online_access) it is renewed shortly before it expires, while that participant has
// notifications due. Tokens are sealed at rest.

/** Renew this long before expiry, so a call never leaves with a token about to lapse. */
export const REFRESH_BEFORE_MS = 60_000;
const TOKEN_TIMEOUT_MS = 10_000;

export interface EpicGrant {
  accessToken: string;
  expiresAt: Date;
  refreshToken: string | null;
  integrationId: string;
  tokenEndpoint: string;
  issuer: string;
  clientId: string;
}

/** Keeps a launch's grant for that participant's notifications (lib/epic/notification-worker.ts). */
export async function storeGrant(database: Database, orderingKey: string, grant: EpicGrant): Promise<void> {
  const values = {
    accessTokenSealed: sealSecret(grant.accessToken, 'epicAccessToken'),
    expiresAt: grant.expiresAt,
    refreshTokenSealed: grant.refreshToken ? sealSecret(grant.refreshToken, 'epicRefreshToken') : null,
    integrationId: grant.integrationId,
    tokenEndpoint: grant.tokenEndpoint,
    issuer: grant.issuer,
    clientId: grant.clientId,
  };
  await database.insert(epicAccessTokens).values({ orderingKey, ...values }).onConflictDoUpdate({ target: epicAccessTokens.orderingKey, set: values });
}

export type Bearer = { token: string } | { problem: string };

/** The participant's current access token, renewed first when it is about to expire. */
export async function bearerFor(database: Database, integration: Integration, orderingKey: string, now = new Date()): Promise<Bearer> {
  const [row] = await database.select().from(epicAccessTokens).where(eq(epicAccessTokens.orderingKey, orderingKey));
  if (!row) return { problem: 'no OAuth access token from this participant\'s launch' };
  if (row.expiresAt.getTime() - now.getTime() > REFRESH_BEFORE_MS) return { token: openSecret(row.accessTokenSealed, 'epicAccessToken') };
  if (!row.refreshTokenSealed || !row.tokenEndpoint || !row.clientId) {
    return row.expiresAt > now
      ? { token: openSecret(row.accessTokenSealed, 'epicAccessToken') }
      : { problem: 'the OAuth access token of this participant\'s launch expired and Epic gave no refresh token; waiting for a new launch' };
  }
  try {
    const grant = await refresh(integration, row);
    await storeGrant(database, orderingKey, grant);
    return { token: grant.accessToken };
  } catch (error) {
    // The stored grant stays as it was: the refresh token is kept for the next try.
    log.warn({ area: 'oauth', integrationId: integration.id, error: describe(error) }, 'OAuth token refresh failed');
    if (row.expiresAt > now) return { token: openSecret(row.accessTokenSealed, 'epicAccessToken') };
    return { problem: `the OAuth access token expired and refreshing it failed (${describe(error)})` };
  }
}

async function refresh(integration: Integration, row: typeof epicAccessTokens.$inferSelect): Promise<EpicGrant> {
  const server: oauth.AuthorizationServer = { issuer: row.issuer ?? row.tokenEndpoint!, token_endpoint: row.tokenEndpoint! };
  const client: oauth.Client = { client_id: row.clientId! };
  const response = await oauth.refreshTokenGrantRequest(server, client, clientAuthentication(integration), openSecret(row.refreshTokenSealed!, 'epicRefreshToken'), tokenRequestOptions(integration, TOKEN_TIMEOUT_MS));
  const tokens = await oauth.processRefreshTokenResponse(server, client, await withoutIdToken(response));
  return {
    accessToken: tokens.access_token,
    expiresAt: new Date(Date.now() + (tokens.expires_in ?? 3600) * 1000),
    // Epic may rotate the refresh token; otherwise the old one stays good.
    refreshToken: tokens.refresh_token ?? openSecret(row.refreshTokenSealed!, 'epicRefreshToken'),
    integrationId: row.integrationId ?? integration.id,
    tokenEndpoint: row.tokenEndpoint!,
    issuer: server.issuer,
    clientId: client.client_id,
  };
}

/**
 * A refresh needs the access token (and a rotated refresh token), not an identity: an id_token in
 * the answer is dropped before it is checked. Servers send ones we cannot validate (smart-launcher's
 * has no `aud`), and failing the whole refresh over it would lose a rotated refresh token.
 */
async function withoutIdToken(response: Response): Promise<Response> {
  if (!response.ok) return response;
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return new Response(text, { status: response.status, headers: response.headers });
  }
  if (json && typeof json === 'object' && 'id_token' in json) delete (json as Record<string, unknown>).id_token;
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(json), { status: response.status, headers });
}

/**
 * The tokens of visits that are over, once nothing is left to send with them: a participant's token
 * serves only their own notifications, and the last of those (Disconnected, at the end) is sent or
 * given up a little after the visit ends. Kept any longer, a token would be a credential to the
 * patient's record that the visit no longer needs. Run by every server's maintenance timer.
 */
export async function dropTokensOfEndedVisits(database: Database): Promise<number> {
  const result = await database.execute(sql`
    delete from epic_access_tokens as token
    using meetings as meeting
    where meeting.state = 'ended'
      and split_part(token.ordering_key, ':', 1) = meeting.id::text
      and not exists (
        select 1 from notifications as notification
        where notification.ordering_key in (token.ordering_key, 'device-test:' || token.ordering_key)
          and notification.state = 'pending'
      )
    returning token.ordering_key`);
  return result.rows.length;
}
