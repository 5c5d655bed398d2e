import { NextResponse, type NextRequest } from 'next/server';
import { db } from '@/lib/db';
import { roomParticipant } from '@/lib/rooms/call';
import { ROOM_COOKIE } from '@/lib/rooms/credentials';
import { roomOfDevice } from '@/lib/rooms/store';
import { setParticipantCookies, signParticipantSession } from '@/lib/visit/participant-session';

/**
 * A paired room device answers its call: with the room's participant in that visit it gets the
 * visit's session cookie, like a launch would give, and goes in. Anything else goes back to /room.
 */
export async function GET(request: NextRequest, { params }: { params: Promise<{ meetingId: string }> }) {
  const { meetingId } = await params;
  const back = new NextResponse(null, { status: 303, headers: { Location: '/room', 'Cache-Control': 'no-store' } });
  if (!/^[0-9a-f-]{36}$/.test(meetingId)) return back;
  const database = await db();
  const room = await roomOfDevice(database, request.cookies.get(ROOM_COOKIE)?.value);
  if (!room) return back;
  const participantId = await roomParticipant(database, room, meetingId);
  if (!participantId) return back;
  const response = new NextResponse(null, { status: 303, headers: { Location: `/visit/${meetingId}`, 'Cache-Control': 'no-store' } });
  setParticipantCookies(response.headers, meetingId, signParticipantSession(participantId, meetingId));
  return response;
}
