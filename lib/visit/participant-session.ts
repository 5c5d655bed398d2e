import { secureCookies } from '@/lib/public-url';
import { sign, verify } from '@/lib/signed-token';

// The launch's "dynamic password": a signed cookie bound to one meeting and one participant.
// Knowing a meeting ID is not enough to enter it.
export const PARTICIPANT_SESSION_HOURS = 12;

const PURPOSE = 'participant-session';

export interface ParticipantSession {
  participantId: string;
  meetingId: string;
  expiresAt: number;
}

export function participantCookieName(meetingId: string): string {
  return `tv_visit_${meetingId.replaceAll('-', '')}`;
}

export function signParticipantSession(participantId: string, meetingId: string, now = Date.now()): string {
  return sign(PURPOSE, { p: participantId, m: meetingId }, PARTICIPANT_SESSION_HOURS * 3600_000, now);
}

export function verifyParticipantSession(token: string | undefined, meetingId: string, now = Date.now()): ParticipantSession | null {
  const payload = verify(PURPOSE, token, now);
  if (!payload || payload.m !== meetingId || typeof payload.p !== 'string') return null;
  return { participantId: payload.p, meetingId, expiresAt: payload.e };
}

export function participantCookieOptions() {
  return {
    httpOnly: true,
    // Lax: the launch arrives as a cross-site navigation from MyChart or Hyperspace.
    sameSite: 'lax' as const,
    secure: secureCookies(),
    path: '/',
    maxAge: PARTICIPANT_SESSION_HOURS * 3600,
  };
}
