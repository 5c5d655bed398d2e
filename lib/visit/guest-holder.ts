import { secureCookies } from '@/lib/public-url';
import { PARTICIPANT_SESSION_HOURS } from '@/lib/visit/participant-session';
import { sign, verify } from '@/lib/signed-token';

// The browser that first opened a guest link holds it: a cookie sent only to that link's own path
// says which guest it is, so the same browser gets back in by the link, and no other does.
const PURPOSE = 'guest-holder';

export const guestHolderCookie = {
  name: 'tv_guest',
  serialize(token: string, participantId: string): string {
    const value = sign(PURPOSE, { p: participantId, t: token.slice(-24) }, PARTICIPANT_SESSION_HOURS * 3600_000);
    return [`tv_guest=${value}`, `Path=/join/${token}`, `Max-Age=${PARTICIPANT_SESSION_HOURS * 3600}`, 'HttpOnly', 'SameSite=Lax', ...(secureCookies() ? ['Secure'] : [])].join('; ');
  },
};

/** The guest this browser is for the link `token`; null when it holds no valid cookie for it. */
export function guestHolderOf(cookie: string | undefined, token: string): string | null {
  const payload = verify(PURPOSE, cookie);
  return payload && payload.t === token.slice(-24) && typeof payload.p === 'string' ? payload.p : null;
}
