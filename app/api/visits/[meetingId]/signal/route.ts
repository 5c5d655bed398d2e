import { and, eq } from 'drizzle-orm';
import { db } from '@/lib/db';
import { participants, signals } from '@/lib/db/schema';
import { AppError, errorResponse, readJsonBody, unauthorized } from '@/lib/errors';
import { announceMeetingChange } from '@/lib/db/bus';
import { participantSession } from '@/lib/visit/participant-request';
import { signalRequestSchema } from '@/lib/visit/schema';

type RouteContext = { params: Promise<{ meetingId: string }> };

/** Relays one WebRTC offer, answer or ICE candidate to another connection in the same meeting. */
export async function POST(request: Request, context: RouteContext) {
  try {
    const { meetingId } = await context.params;
    const session = await participantSession(meetingId);
    if (!session) throw unauthorized();
    const body = signalRequestSchema.parse(await readJsonBody(request));
    const database = await db();
    const [sender] = await database
      .select({ connectionId: participants.connectionId })
      .from(participants)
      .where(and(eq(participants.id, session.participantId), eq(participants.meetingId, meetingId)));
    if (!sender?.connectionId) throw new AppError('not_connected', 409, 'Join the visit before sending media signals');
    if (sender.connectionId !== body.from) throw new AppError('stale_connection', 409, 'That connection of yours has closed; signal from the current one');
    const [recipient] = await database
      .select({ id: participants.id })
      .from(participants)
      .where(and(eq(participants.meetingId, meetingId), eq(participants.connectionId, body.to)));
    if (!recipient) throw new AppError('gone', 410, 'That participant is no longer connected');
    await database.transaction(async (tx) => {
      await tx.insert(signals).values({ meetingId, fromConnection: sender.connectionId!, toConnection: body.to, payload: body.payload });
      await announceMeetingChange(tx, meetingId);
    });
    return new Response(null, { status: 204 });
  } catch (error) {
    return errorResponse(error, 'visit signal');
  }
}

