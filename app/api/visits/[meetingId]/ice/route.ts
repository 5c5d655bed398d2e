import { db } from '@/lib/db';
import { AppError, tooManyRequests } from '@/lib/errors';
import { sharedLimiter } from '@/lib/http/rate-limit';
import { iceConfiguration } from '@/lib/visit/ice-servers';
import { readMeetingSnapshot, viewOf } from '@/lib/visit/meeting-view';
import { withParticipant } from '@/lib/visit/participant-request';
import { streamHub } from '@/lib/visit/stream-hub';

export const dynamic = 'force-dynamic';

// A page renews its relay credentials a while before they expire (TURN_CREDENTIAL_TTL_SECONDS,
// an hour by default): a few in a row (a reload, a reconnect), then one a minute.
const renewalsPerParticipant = () => sharedLimiter('visit-ice', { burst: 5, perSecond: 1 / 60 });

/**
 * Fresh STUN/TURN settings, for someone in the call only: credentials relay packets anywhere the
 * relay allows, so a waiting, removed or former participant (whose cookie lasts 12 hours) gets none.
 * The first ones come on the push stream as the person enters the call (lib/visit/stream-hub.ts).
 */
export const GET = withParticipant(async (_request, { meetingId, session }) => {
  const limiter = renewalsPerParticipant();
  if (!limiter.take(session.participantId)) throw tooManyRequests(limiter.retryAfterSeconds(session.participantId));
  const hub = await streamHub();
  const snapshot = (await hub.followedSnapshot(meetingId)) ?? (await readMeetingSnapshot(await db(), meetingId));
  const view = viewOf(snapshot, session.participantId);
  if (view.stage !== 'in-call' || !view.me.connectionId) throw new AppError('not_in_call', 403, 'Only people in the call get relay settings');
  return Response.json(iceConfiguration(session.participantId), { headers: { 'Cache-Control': 'no-store' } });
}, 'visit ice servers');
