import type { Database } from '@/lib/db/client';
import { signals } from '@/lib/db/schema';
import { announce, signalTopic } from '@/lib/db/bus';
import { AppError } from '@/lib/errors';
import { isInCall, type MeetingSnapshot } from '@/lib/visit/meeting-view';
import { mayShareScreen, sendingVideoSections } from '@/lib/visit/policies';
import type { StreamHub } from '@/lib/visit/stream-hub';

// WebRTC offers, answers and candidates between two browsers in the call. A browser answers an
// offer by attaching its camera, so only people in the call (providers, and patients the provider
// let in while a provider is there) may signal, and only to each other: a waiting patient cannot
// open a media path to the provider, nor anyone to a waiting patient. An offer or answer that
// sends a second video (a shared screen) is refused from someone the meeting policy does not let share.

export interface Signal {
  from: string;
  to: string;
  payload: Record<string, unknown>;
}

/** Why `senderId` may not send `signal` in this meeting; null when it may. */
export function signalRefusal(snapshot: MeetingSnapshot | null, senderId: string, signal: Pick<Signal, 'from' | 'to'> & { payload?: Record<string, unknown> }): AppError | null {
  const sender = snapshot?.people.find((person) => person.id === senderId);
  if (!snapshot || !sender?.connectionId) return new AppError('not_connected', 409, 'Join the visit before sending media signals');
  if (sender.connectionId !== signal.from) return new AppError('stale_connection', 409, 'That connection of yours has closed; signal from the current one');
  if (!isInCall(snapshot, sender)) return new AppError('not_in_call', 403, 'Only people in the call can send media signals');
  const recipient = snapshot.people.find((person) => person.connectionId === signal.to);
  if (!recipient || recipient.id === sender.id) return new AppError('gone', 410, 'That participant is no longer connected');
  if (!isInCall(snapshot, recipient)) return new AppError('not_in_call', 403, 'That participant is not in the call');
  if (!mayShareScreen(snapshot.policies.screenShare, sender.userType) && sendingVideoSections(sdpOf(signal.payload)) > 1) {
    return new AppError('share_not_allowed', 403, 'Screen sharing is not allowed for you in these visits');
  }
  return null;
}

/** The SDP text of a signal that carries a description; '' for candidates and the rest. */
function sdpOf(payload: Record<string, unknown> | undefined): string {
  const description = payload?.description;
  if (!description || typeof description !== 'object') return '';
  const sdp = (description as { sdp?: unknown }).sdp;
  return typeof sdp === 'string' ? sdp : '';
}

/**
 * Relays a signal: in memory when the recipient's stream is on this server, else stored and
 * announced, and the server holding that stream takes it.
 */
export async function relaySignal(hub: StreamHub, database: Database, meetingId: string, senderId: string, signal: Signal): Promise<void> {
  const snapshot = await hub.meetingSnapshot(meetingId);
  const refusal = signalRefusal(snapshot, senderId, signal);
  if (refusal) throw refusal;
  // The sender's participant travels with its connection: links are per pair of people, and
  // outlive either side's reconnects (app/visit/[meetingId]/peer-mesh.ts).
  await deliver(hub, database, meetingId, { ...signal, fromParticipant: senderId });
}

/** Who a signal from the server itself (not from a browser) says it is from. */
export const MEDIA_SERVER_SENDER = 'media-server';

/**
 * Tells a person's page that the server let go of its media through the media server while it was
 * still in the call (lib/media-server/visit-media.ts onMediaLost): the page starts its call again.
 * Nothing when the person is no longer connected or in the call.
 */
export async function noticeMediaLost(hub: StreamHub, database: Database, meetingId: string, participantId: string): Promise<void> {
  const snapshot = await hub.meetingSnapshot(meetingId);
  const person = snapshot?.people.find((candidate) => candidate.id === participantId);
  if (!snapshot || !person?.connectionId || !isInCall(snapshot, person)) return;
  const delivery = { from: MEDIA_SERVER_SENDER, fromParticipant: participantId, to: person.connectionId, payload: { link: MEDIA_SERVER_SENDER, restart: true } };
  // A page that is not keeping up finds out from its connections instead.
  await deliver(hub, database, meetingId, delivery).catch((error: unknown) => {
    if (!(error instanceof AppError && error.code === 'recipient_busy')) throw error;
  });
}

/** In memory when the recipient's stream is on this server; else stored and announced. */
async function deliver(hub: StreamHub, database: Database, meetingId: string, signal: Signal & { fromParticipant: string }): Promise<void> {
  const delivery = hub.deliverLocally(signal.to, { from: signal.from, fromParticipant: signal.fromParticipant, payload: signal.payload });
  if (delivery === 'delivered') return;
  if (delivery === 'busy') throw new AppError('recipient_busy', 503, 'That participant is not keeping up; try again shortly', { 'Retry-After': '1' });
  await database.transaction(async (tx) => {
    await tx.insert(signals).values({ meetingId, fromConnection: signal.from, fromParticipant: signal.fromParticipant, toConnection: signal.to, payload: signal.payload });
    await announce(tx, signalTopic(signal.to));
  });
}
