import { db } from '@/lib/db';
import { AppError, errorResponse, readJsonBody, unauthorized } from '@/lib/errors';
import { actOnPatient, disconnectParticipant, endMeeting } from '@/lib/visit/meeting-state';
import { participantSession } from '@/lib/visit/participant-request';
import { visitActionSchema } from '@/lib/visit/schema';

type RouteContext = { params: Promise<{ meetingId: string }> };

/** Admit, remove, end (providers) and leave (anyone). The caller is the cookie's participant. */
export async function POST(request: Request, context: RouteContext) {
  try {
    const { meetingId } = await context.params;
    const session = await participantSession(meetingId);
    if (!session) throw unauthorized();
    // sendBeacon posts text/plain; the body is JSON either way.
    const action = visitActionSchema.parse(await readJsonBody(request));
    const database = await db();
    let done = true;
    if (action.action === 'leave') await disconnectParticipant(database, session.participantId, action.connectionId);
    else if (action.action === 'end') done = await endMeeting(database, meetingId, session.participantId);
    else done = await actOnPatient(database, meetingId, session.participantId, action.participantId, action.action);
    if (!done) throw new AppError('refused', 403, 'Only the provider can do that, in a visit that has not ended');
    return new Response(null, { status: 204 });
  } catch (error) {
    return errorResponse(error, 'visit action');
  }
}
