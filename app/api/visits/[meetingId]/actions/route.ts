import { db } from '@/lib/db';
import { AppError } from '@/lib/errors';
import { readJsonBody } from '@/lib/http/body';
import { actOnParticipant, disconnectParticipant, endMeeting, endRoomCalls } from '@/lib/visit/meeting-state';
import { withParticipant } from '@/lib/visit/participant-request';
import { visitActionSchema } from '@/lib/visit/schema';

const ACTION_MAX_BYTES = 1024;

/** Admit, remove, end (providers) and leave (anyone). The caller is the cookie's participant. */
export const POST = withParticipant(async (request, { meetingId, session }) => {
  // sendBeacon posts text/plain; the body is JSON either way.
  const action = visitActionSchema.parse(await readJsonBody(request, ACTION_MAX_BYTES));
  const database = await db();
  let done = true;
  if (action.action === 'leave') {
    await disconnectParticipant(database, session.participantId, action.connectionId);
    // A room device that leaves hangs up: its place ends, until a provider's launch calls it again.
    await endRoomCalls(database, { participantId: session.participantId });
  }
  else if (action.action === 'end') done = await endMeeting(database, meetingId, { by: 'provider', participantId: session.participantId });
  else done = await actOnParticipant(database, meetingId, session.participantId, action.participantId, action.action);
  if (!done) throw new AppError('refused', 403, 'Only the provider can do that, in a visit that has not ended');
  return new Response(null, { status: 204 });
}, 'visit action');
