import { NextResponse, type NextRequest } from 'next/server';
import { db } from '@/lib/db';
import { requestLanguage } from '@/lib/i18n/request-language';
import { claimInvite } from '@/lib/visit/guests';
import { guestHolderCookie, guestHolderOf } from '@/lib/visit/guest-holder';
import { setParticipantCookies, signParticipantSession } from '@/lib/visit/participant-session';
import { launchFailureResponse } from '@/app/launch/failure-page';
import { log } from '@/lib/log';

/**
 * A guest link (lib/visit/guests.ts). The first browser to open it becomes the guest and keeps a
 * cookie for this link, so it can come back by it; anyone else, and everyone once the visit ended
 * or the link was revoked or expired, gets the same calm page as a bad launch link. The cause goes
 * to the server log only (with no name: the link carries none, and the log line gets none).
 */
export async function GET(request: NextRequest, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const holder = guestHolderOf(request.cookies.get(guestHolderCookie.name)?.value, token);
  const claimed = await claimInvite(await db(), token, holder);
  if (!claimed.ok) {
    log.warn({ area: 'guest link', outcome: claimed.cause }, 'guest link refused');
    return launchFailureResponse(await requestLanguage());
  }
  const response = new NextResponse(null, { status: 303, headers: { Location: `/visit/${claimed.meetingId}`, 'Cache-Control': 'no-store' } });
  setParticipantCookies(response.headers, claimed.meetingId, signParticipantSession(claimed.participantId, claimed.meetingId));
  response.headers.append('Set-Cookie', guestHolderCookie.serialize(token, claimed.participantId));
  return response;
}
