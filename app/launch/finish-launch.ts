import { NextResponse, type NextRequest } from 'next/server';
import type { DatabaseHandle } from '@/lib/db/client';
import { env } from '@/lib/env';
import { visitEndedResponse } from './failure-page';
import type { Integration } from '@/lib/db/schema';
import { startDeviceTest } from '@/lib/device-test/launch';
import type { LaunchToken } from '@/lib/epic/launch-token';
import { storeAccessToken } from '@/lib/epic/oauth';
import { orderingKey } from '@/lib/epic/outbox';
import { joinVisit } from '@/lib/visit/launch';
import { isSecureRequest, participantCookieName, participantCookieOptions, signParticipantSession } from '@/lib/visit/participant-session';

export interface EpicAccess {
  accessToken: string;
  expiresAt: Date;
}

/**
 * The end of every good launch, straight from the link or after Epic's OAuth callback: the device
 * test (spec section 3) or the visit, with the participant's session cookie.
 */
export async function finishLaunch(
  handle: DatabaseHandle,
  request: NextRequest,
  launch: { integration: Integration; token: LaunchToken; encryptionKey: string; mode: string | null; access?: EpicAccess },
): Promise<NextResponse> {
  const { integration, token, encryptionKey, access } = launch;
  const database = handle.db;
  if (launch.mode === 'devicetest') {
    if (access) await storeAccessToken(database, orderingKey(null, token.userType, token.externalId), access.accessToken, access.expiresAt);
    return startDeviceTest(database, request, integration, token, encryptionKey);
  }

  // Writes the launch log row too, in the same statement.
  const joined = await joinVisit(handle, integration, token, encryptionKey);
  if (!joined.participantId) return visitEndedResponse();
  if (access) await storeAccessToken(database, orderingKey(joined.meetingId, token.userType, token.externalId), access.accessToken, access.expiresAt);
  const response = new NextResponse(null, { status: 303, headers: { Location: `/visit/${joined.meetingId}`, 'Cache-Control': 'no-store' } });
  response.cookies.set(
    participantCookieName(joined.meetingId),
    signParticipantSession(joined.participantId, joined.meetingId),
    participantCookieOptions(isSecureRequest(request)),
  );
  return response;
}

/** Registered with Epic, so it must be the public address: NEXTAUTH_URL when set (behind a proxy). */
export function oauthRedirectUri(request: NextRequest): string {
  return `${env().NEXTAUTH_URL?.replace(/\/+$/, '') ?? request.nextUrl.origin}/launch/oauth-callback`;
}

export const OAUTH_STATE_COOKIE = 'tv_oauth_state';

export function oauthStateCookieOptions(secure: boolean) {
  return { httpOnly: true, sameSite: 'lax' as const, secure, path: '/launch/oauth-callback', maxAge: 600 };
}
