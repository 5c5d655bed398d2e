import { cookies } from 'next/headers';
import { participantCookieName, verifyParticipantSession, type ParticipantSession } from '@/lib/visit/participant-session';

/** The participant this browser is in `meetingId`, from its launch cookie; null without a valid one. */
export async function participantSession(meetingId: string): Promise<ParticipantSession | null> {
  if (!/^[0-9a-f-]{36}$/.test(meetingId)) return null;
  const jar = await cookies();
  return verifyParticipantSession(jar.get(participantCookieName(meetingId))?.value, meetingId);
}
