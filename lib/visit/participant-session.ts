import { createHmac, timingSafeEqual } from 'node:crypto';
import { env } from '@/lib/env';

// The launch's "dynamic password": a signed cookie bound to one meeting and one participant.
// Knowing a meeting ID is not enough to enter it.
export const PARTICIPANT_SESSION_HOURS = 12;

export interface ParticipantSession {
  participantId: string;
  meetingId: string;
  expiresAt: number;
}

export function participantCookieName(meetingId: string): string {
  return `tv_visit_${meetingId.replaceAll('-', '')}`;
}

export function signParticipantSession(participantId: string, meetingId: string, now = Date.now()): string {
  const body = Buffer.from(
    JSON.stringify({ p: participantId, m: meetingId, e: now + PARTICIPANT_SESSION_HOURS * 3600_000 }),
  ).toString('base64url');
  return `${body}.${signature(body)}`;
}

export function verifyParticipantSession(token: string | undefined, meetingId: string, now = Date.now()): ParticipantSession | null {
  if (!token) return null;
  const [body, mac] = token.split('.');
  if (!body || !mac) return null;
  const expected = Buffer.from(signature(body));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const { p, m, e } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { p: string; m: string; e: number };
    if (m !== meetingId || typeof p !== 'string' || typeof e !== 'number' || e < now) return null;
    return { participantId: p, meetingId: m, expiresAt: e };
  } catch {
    return null;
  }
}

export function participantCookieOptions(secure: boolean) {
  return {
    httpOnly: true,
    // Lax: the launch arrives as a cross-site navigation from MyChart or Hyperspace.
    sameSite: 'lax' as const,
    secure,
    path: '/',
    maxAge: PARTICIPANT_SESSION_HOURS * 3600,
  };
}

function signature(body: string): string {
  return createHmac('sha256', env().authSecret).update(`participant-session:${body}`).digest('base64url');
}
