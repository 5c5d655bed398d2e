import { cookies } from 'next/headers';
import { errorResponse, unauthorized } from '@/lib/errors';
import { PARTICIPANT_COOKIE, verifyParticipantSession, type ParticipantSession } from '@/lib/visit/participant-session';

/** The participant this browser is in `meetingId`, from its launch cookie; null without a valid one. */
export async function participantSession(meetingId: string): Promise<ParticipantSession | null> {
  if (!/^[0-9a-f-]{36}$/.test(meetingId)) return null;
  const jar = await cookies();
  return verifyParticipantSession(jar.get(PARTICIPANT_COOKIE)?.value, meetingId);
}

type VisitRouteContext = { params: Promise<{ meetingId: string }> };
export interface ParticipantRequestContext {
  meetingId: string;
  session: ParticipantSession;
}

/**
 * A visit route handler that only runs for the meeting's own participants: the launch cookie is
 * checked here, once for every visit route, and anything thrown becomes a clean 4xx/5xx answer.
 */
export function withParticipant(handler: (request: Request, context: ParticipantRequestContext) => Promise<Response>, name: string) {
  return async (request: Request, routeContext: VisitRouteContext): Promise<Response> => {
    try {
      const { meetingId } = await routeContext.params;
      const session = await participantSession(meetingId);
      if (!session) throw unauthorized('Open the visit from its link first');
      return await handler(request, { meetingId, session });
    } catch (error) {
      return errorResponse(error, name);
    }
  };
}
