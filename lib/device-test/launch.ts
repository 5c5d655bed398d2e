import { NextResponse, type NextRequest } from 'next/server';
import type { Database } from '@/lib/db/client';
import type { Integration } from '@/lib/db/schema';
import { recordLaunch } from '@/lib/epic/launch-log';
import type { LaunchToken } from '@/lib/epic/launch-token';
import { DEVICE_TEST_COOKIE, deviceTestCookieOptions, signDeviceTestSession } from '@/lib/device-test/session';

/**
 * A launch link with `&mode=devicetest` (spec section 3): no meeting and no participant, only a
 * cookie that says whose device test this is, and the way to the test page.
 */
export async function startDeviceTest(
  database: Database,
  request: NextRequest,
  integration: Integration,
  token: LaunchToken,
  encryptionKey: string,
): Promise<NextResponse> {
  const sessionId = token.sessionId ?? token.conferenceId ?? token.meetingKey;
  await recordLaunch(database, {
    encryptionKey,
    integrationId: integration.id,
    outcome: 'ok',
    detail: 'device test',
    sessionId,
    epicUserId: token.externalId,
    userType: token.userType,
  });
  const response = new NextResponse(null, { status: 303, headers: { Location: '/device-test', 'Cache-Control': 'no-store' } });
  response.cookies.set(
    DEVICE_TEST_COOKIE,
    signDeviceTestSession({ integrationId: integration.id, sessionId, epicUserId: token.externalId, userType: token.userType }),
    deviceTestCookieOptions(),
  );
  return response;
}
