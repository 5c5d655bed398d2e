import { secureCookies } from '@/lib/public-url';
import { sign, verify } from '@/lib/signed-token';

// The launch's "dynamic password": a signed cookie bound to one meeting and one participant.
// Knowing a meeting ID is not enough to enter it.
//
// Each visit's cookie goes only to that visit's own paths (its page and its API), never to the rest
// of the site: a shared clinic workstation or a busy provider opens dozens of visits a day, and
// cookies on "/" piled up until every request carried 16 KB of them (past nginx's 8 KB header
// buffer after about 35 visits). A cookie has one path, so a visit sets two, with the same value.
export const PARTICIPANT_SESSION_HOURS = 12;
export const PARTICIPANT_COOKIE = 'tv_visit';

const PURPOSE = 'participant-session';

export interface ParticipantSession {
  participantId: string;
  meetingId: string;
  expiresAt: number;
}

export function signParticipantSession(participantId: string, meetingId: string, now = Date.now()): string {
  return sign(PURPOSE, { p: participantId, m: meetingId }, PARTICIPANT_SESSION_HOURS * 3600_000, now);
}

export function verifyParticipantSession(token: string | undefined, meetingId: string, now = Date.now()): ParticipantSession | null {
  const payload = verify(PURPOSE, token, now);
  if (!payload || payload.m !== meetingId || typeof payload.p !== 'string') return null;
  return { participantId: payload.p, meetingId, expiresAt: payload.e };
}

/** The paths a visit's cookie is sent to: the visit's page, and its API. */
export function participantCookiePaths(meetingId: string): string[] {
  return [`/visit/${meetingId}`, `/api/visits/${meetingId}`];
}

/**
 * The Set-Cookie values that give this browser the visit's session (a signed token), or that end
 * it (null): when the visit ends, a room device hangs up, or a guest's link is revoked.
 */
export function participantSetCookies(meetingId: string, token: string | null): string[] {
  // Lax: the launch arrives as a cross-site navigation from MyChart or Hyperspace.
  const attributes = ['HttpOnly', 'SameSite=Lax', ...(secureCookies() ? ['Secure'] : [])];
  const lifetime = token === null ? 'Max-Age=0' : `Max-Age=${PARTICIPANT_SESSION_HOURS * 3600}`;
  return participantCookiePaths(meetingId).map((path) => [`${PARTICIPANT_COOKIE}=${token ?? ''}`, `Path=${path}`, lifetime, ...attributes].join('; '));
}

/** Adds the visit's session cookies (or their end, with null) to a response's headers. */
export function setParticipantCookies(headers: Headers, meetingId: string, token: string | null): void {
  for (const value of participantSetCookies(meetingId, token)) headers.append('Set-Cookie', value);
}
