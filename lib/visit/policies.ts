import type { ScreenSharePolicy } from '@/lib/settings/schema';
import type { ParticipantType } from '@/lib/visit/schema';

// An integration's meeting policies, as the server enforces them. Media is peer to peer, so the
// server cannot see a screen; it sees what people say (the media state) and the offers and
// answers it relays, and refuses what the policy does not allow in either (lib/visit/call-routes.ts,
// lib/visit/signal-relay.ts). Televisit never records: there is no policy for it because there is
// nothing that could record.

export interface MeetingPolicies {
  screenShare: ScreenSharePolicy;
  chatEnabled: boolean;
  /** The integration's Largest visit: above PEER_TO_PEER_LARGEST_VISIT the video goes through the media server. */
  largestVisit: number;
}

/**
 * Whether someone of this type may share a screen. "Everyone in the call" includes patients and
 * guests; room devices never do: nobody is there.
 */
export function mayShareScreen(policy: ScreenSharePolicy, userType: ParticipantType): boolean {
  if (policy === 'everyone') return userType !== 'Room';
  if (policy === 'providers') return userType === 'Provider';
  return false;
}

/**
 * How many video sections of an SDP description may send media from its author, counted by what a
 * browser would do with it, never by the first line that looks harmless. A camera is one; a shared
 * screen is a second (app/visit/[meetingId]/peer-mesh.ts keeps the screen's section receive-only
 * while its side does not share).
 * - A section's direction is its own a= direction line, else the session's, else sendrecv. A section
 *   with several direction lines is ambiguous (Chromium obeys one of them): it counts as sending if
 *   any of them sends.
 * - Port 0 rejects a section, unless it is `a=bundle-only`: then it rides on the bundle's transport
 *   and sends whatever its direction says.
 */
export function sendingVideoSections(sdp: string): number {
  const [session = '', ...sections] = sdp.split(/\r?\n(?=m=)/);
  const sessionDirections = directionsOf(session);
  let count = 0;
  for (const section of sections) {
    if (!section.startsWith('m=video')) continue;
    const rejected = /^m=video 0 /.test(section) && !/\r?\na=bundle-only\b/.test(section);
    if (rejected) continue;
    const own = directionsOf(section);
    const directions = own.length ? own : sessionDirections.length ? sessionDirections : ['sendrecv'];
    if (directions.some((direction) => direction === 'sendrecv' || direction === 'sendonly')) count += 1;
  }
  return count;
}

function directionsOf(text: string): string[] {
  return [...text.matchAll(/(?:^|\r?\n)a=(sendrecv|sendonly|recvonly|inactive)[ \t]*(?=\r?\n|$)/g)].map((match) => match[1]!);
}
