import { createHmac } from 'node:crypto';
import { env } from '@/lib/env';

// The STUN/TURN servers a participant's browser is given. ICE_SERVERS is passed on as it is; with
// TURN_URLS and TURN_SECRET each participant also gets TURN credentials of its own, by the
// shared-secret scheme coturn implements (use-auth-secret, the "TURN REST API"): the username is
// `<expiry unix seconds>:<participant id>` and the password base64(HMAC-SHA1(secret, username)).
// They expire; the page asks for new ones before they do (GET /api/visits/<id>/ice).

export interface IceConfiguration {
  iceServers: RTCIceServer[];
  /** `relay` forces every call through TURN (ICE_TRANSPORT_POLICY, for tests and locked-down sites). */
  iceTransportPolicy: RTCIceTransportPolicy;
  /** When the TURN credentials expire (ms since epoch); null without TURN. */
  expiresAt: number | null;
}

export function iceConfiguration(participantId: string, now = Date.now()): IceConfiguration {
  const settings = env();
  const iceServers: RTCIceServer[] = [...settings.ICE_SERVERS];
  let expiresAt: number | null = null;
  if (settings.TURN_URLS.length && settings.TURN_SECRET) {
    expiresAt = now + settings.TURN_CREDENTIAL_TTL_SECONDS * 1000;
    iceServers.push({ urls: settings.TURN_URLS, ...turnCredentials(settings.TURN_SECRET, participantId, Math.floor(expiresAt / 1000)) });
  }
  return { iceServers, iceTransportPolicy: settings.ICE_TRANSPORT_POLICY, expiresAt };
}

/** coturn's use-auth-secret credentials for one participant, valid until `expiry` (unix seconds). */
export function turnCredentials(secret: string, participantId: string, expiry: number): { username: string; credential: string } {
  const username = `${expiry}:${participantId}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}
