import { NextResponse, type NextRequest } from 'next/server';
import { db } from '@/lib/db';
import { startDeviceTest } from '@/lib/device-test/launch';
import { recordLaunch } from '@/lib/epic/launch-log';
import { LaunchTokenError, readLaunchToken, type EncryptionAlgorithm } from '@/lib/epic/launch-token';
import { cachedIntegrationByKey } from '@/lib/settings/integration-cache';
import { openIntegrationSecret } from '@/lib/settings/store';
import { joinVisit } from '@/lib/visit/launch';
import { participantCookieName, participantCookieOptions, signParticipantSession } from '@/lib/visit/participant-session';
import { launchFailureResponse } from './failure-page';

// Epic's launch link: /launch?key=<Encryption Key>&data=<CRYPTSTRING> (spec section 1).
export async function GET(request: NextRequest) {
  const key = request.nextUrl.searchParams.get('key');
  const data = request.nextUrl.searchParams.get('data');
  const database = await db();
  const refuse = async (outcome: string, detail: string, ids: { sessionId?: string; epicUserId?: string } = {}) => {
    await recordLaunch(database, { encryptionKey: key, outcome, detail, ...ids });
    return launchFailureResponse();
  };

  try {
    if (!key || !data) return await refuse('missing_parameter', `the link has no ${key ? 'data' : 'key'} parameter`);
    const integration = await cachedIntegrationByKey(database, key);
    if (!integration) return await refuse('unknown_key', 'no integration has this Encryption Key');

    let token;
    try {
      token = readLaunchToken(data, {
        secret: openIntegrationSecret(integration, 'encryptionSecret') ?? '',
        algorithm: integration.encryptionAlgorithm as EncryptionAlgorithm,
        now: new Date(),
        epicTimeZone: integration.epicTimeZone,
        defaultLinkValidityMinutes: integration.defaultLinkValidityMinutes,
      });
    } catch (error) {
      if (error instanceof LaunchTokenError) {
        return await refuse(error.kind, error.message, { sessionId: error.sessionId, epicUserId: error.userId });
      }
      return await refuse('configuration_error', error instanceof Error ? error.message : 'the stored settings cannot decrypt links');
    }

    // Spec section 3: the same link with &mode=devicetest opens the device test, not the visit.
    if (request.nextUrl.searchParams.get('mode') === 'devicetest') return await startDeviceTest(database, request, integration, token, key);

    // Writes the launch log row too, in the same statement.
    const joined = await joinVisit(database, integration, token, key);

    const response = new NextResponse(null, { status: 303, headers: { Location: `/visit/${joined.meetingId}`, 'Cache-Control': 'no-store' } });
    response.cookies.set(
      participantCookieName(joined.meetingId),
      signParticipantSession(joined.participantId, joined.meetingId),
      participantCookieOptions(request.nextUrl.protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https'),
    );
    return response;
  } catch (error) {
    // Even an unexpected fault looks like any other refused link; the detail is only logged.
    console.error('[launch] unexpected error', error);
    return launchFailureResponse();
  }
}
