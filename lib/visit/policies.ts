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
}

/** Whether someone of this type may share a screen. Room devices never do: nobody is there. */
export function mayShareScreen(policy: ScreenSharePolicy, userType: ParticipantType): boolean {
  if (policy === 'everyone') return userType === 'Provider' || userType === 'Patient';
  if (policy === 'providers') return userType === 'Provider';
  return false;
}

/**
 * How many video sections of an SDP description send media from its author. A camera is one; a
 * shared screen is a second (app/visit/[meetingId]/peer-mesh.ts keeps the screen's section
 * receive-only or inactive while its side does not share).
 */
export function sendingVideoSections(sdp: string): number {
  let count = 0;
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    if (!section.startsWith('video')) continue;
    // A port of 0 is a rejected section; with no direction attribute, the default is sendrecv.
    if (/^video 0 /.test(section)) continue;
    const direction = /\r?\na=(sendrecv|sendonly|recvonly|inactive)\b/.exec(section)?.[1] ?? 'sendrecv';
    if (direction === 'sendrecv' || direction === 'sendonly') count += 1;
  }
  return count;
}
