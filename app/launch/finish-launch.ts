import { eq } from 'drizzle-orm';
import { NextResponse, type NextRequest } from 'next/server';
import type { DatabaseHandle } from '@/lib/db/client';
import { meetings, type Integration } from '@/lib/db/schema';
import { startDeviceTest } from '@/lib/device-test/launch';
import type { LaunchToken } from '@/lib/epic/launch-token';
import { recordLaunch } from '@/lib/epic/launch-log';
import { storeGrant, type EpicGrant } from '@/lib/epic/oauth-tokens';
import { orderingKey } from '@/lib/epic/outbox';
import { languageOf } from '@/lib/i18n/request-language';
import { OAUTH_CALLBACK_PATH, secureCookies } from '@/lib/public-url';
import { metrics } from '@/lib/metrics';
import { callRoom, type CallOutcome } from '@/lib/rooms/call';
import { joinVisit } from '@/lib/visit/launch';
import { sealNewVisit } from '@/lib/visit/new-visit';
import { setParticipantCookies, signParticipantSession } from '@/lib/visit/participant-session';
import { providerVisitEndedResponse, visitEndedResponse, visitFullResponse } from './failure-page';

export interface FinishingLaunch {
  integration: Integration;
  token: LaunchToken;
  encryptionKey: string;
  mode: string | null;
  grant?: EpicGrant;
  /** The provider chose to start the visit again after it ended (app/launch/new-visit). */
  startNew?: boolean;
}

/**
 * The end of every good launch, straight from the link, after Epic's OAuth callback, or when a
 * provider starts an ended visit again: the device test (spec section 3) or the visit, with the
 * participant's session cookie; or the page that says the visit ended or is full.
 */
export async function finishLaunch(handle: DatabaseHandle, request: NextRequest, launch: FinishingLaunch): Promise<NextResponse> {
  const { integration, token, encryptionKey, grant } = launch;
  const database = handle.db;
  if (launch.mode === 'devicetest') {
    if (grant) await storeGrant(database, orderingKey(null, token.userType, token.externalId), grant);
    return startDeviceTest(database, request, integration, token, encryptionKey);
  }

  // Writes the launch log row too, in the same statement.
  const joined = await joinVisit(handle, integration, token, encryptionKey, { startNew: launch.startNew });
  // The launch function wrote its launch log row itself; count it here.
  metrics().launches.inc({ outcome: joined.outcome });
  if (joined.outcome === 'visit_full') return visitFullResponse(languageOf(request.headers));
  if (joined.outcome === 'visit_ended') {
    if (token.userType !== 'Provider') return visitEndedResponse(languageOf(request.headers));
    const [ended] = await database.select({ endedAt: meetings.endedAt }).from(meetings).where(eq(meetings.id, joined.meetingId));
    return providerVisitEndedResponse(languageOf(request.headers), ended?.endedAt ?? null, sealNewVisit({ integrationId: integration.id, token, encryptionKey, grant }));
  }
  if (grant) await storeGrant(database, orderingKey(joined.meetingId, token.userType, token.externalId), grant);
  let location = `/visit/${joined.meetingId}`;
  // A monitor call: the provider's launch names the room whose device joins the visit.
  if (token.userType === 'Provider' && token.roomName) {
    const call = await callRoom(database, { integrationId: integration.id, meetingId: joined.meetingId, roomName: token.roomName });
    if (call !== 'called') {
      const outcome = call === 'room_unknown' || call === 'room_offline' ? call : `room_${call}`;
      await recordLaunch(database, {
        encryptionKey,
        integrationId: integration.id,
        outcome,
        detail: roomCallDetail(call, token.roomName),
        sessionId: token.sessionId,
        epicUserId: token.externalId,
        userType: 'Provider',
        meetingId: joined.meetingId,
      });
      location += `?${new URLSearchParams({ room: call, roomName: token.roomName })}`;
    }
  }
  const response = new NextResponse(null, { status: 303, headers: { Location: location, 'Cache-Control': 'no-store' } });
  setParticipantCookies(response.headers, joined.meetingId, signParticipantSession(joined.participantId!, joined.meetingId));
  return response;
}

/** Why a monitor call did not go out, for the launch log. */
function roomCallDetail(call: Exclude<CallOutcome, 'called'>, roomName: string): string {
  const room = JSON.stringify(roomName);
  if (call === 'room_unknown') return `no room of this integration is named ${room}`;
  if (call === 'room_offline') return `the device of room ${room} is not connected`;
  if (call === 'visit_full') return `room ${room} was not called: the visit has all the people it can hold`;
  return `room ${room} was not called: the visit ended`;
}

export const OAUTH_STATE_COOKIE = 'tv_oauth_state';

export function oauthStateCookieOptions() {
  return { httpOnly: true, sameSite: 'lax' as const, secure: secureCookies(), path: OAUTH_CALLBACK_PATH, maxAge: 600 };
}
