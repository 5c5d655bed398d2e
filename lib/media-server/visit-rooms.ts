import { createHmac } from 'node:crypto';
import type { JanodeSession } from 'janode';
import type { VideoRoomHandle } from 'janode/plugins/videoroom';
import { env } from '@/lib/env';
import { mediaServerSession, withTimeout } from './janus';

// Each visit's room in Janus' videoroom plugin: where its people publish their camera once and
// receive the others'. Only this server drives it; browsers never reach Janus' API.
//
// A room's number, secret and PIN are derived from the server's master key and the meeting ID
// (HMAC-SHA256, a label per use): every server of a cluster, and a server after a restart, finds
// the same room without storing anything, and nobody without the master key can name, join or
// manage it. A person's feed number is derived the same way from the meeting and participant IDs,
// so their feed in one visit's room says nothing of them in another's, and Remove can kick it.
//
// Rooms are made when needed (openVisitRoom: the first person admitted, and again after Janus
// restarted and lost its rooms, as it keeps none: not permanent), and destroyed when the visit
// ends. Each call takes a handle on the monitor's session and lets it go; none waits longer than
// CALL_TIMEOUT_MS for the handle and as long again for the answer.

export interface VisitRoom {
  room: number;
  /** Needed to destroy the room, kick from it, or list who is in it. */
  secret: string;
  /** Needed to join it. */
  pin: string;
}

/** Janus' videoroom error codes this module tells apart. */
export const NO_SUCH_ROOM = 426;
const ROOM_EXISTS = 427;
const NO_SUCH_FEED = 428;
const CALL_TIMEOUT_MS = 5000;
/** Each publisher's video at most this (bits per second), announced to browsers with REMB. */
export const PUBLISHER_BITRATE = 512_000;

export class MediaServerUnavailable extends Error {
  constructor(reason: string) {
    super(`media server unavailable: ${reason}`);
    this.name = 'MediaServerUnavailable';
  }
}

export function visitRoom(meetingId: string, masterKey: Buffer = env().masterKey): VisitRoom {
  return {
    room: safeInteger(derive(masterKey, 'janus-room', meetingId)),
    secret: derive(masterKey, 'janus-room-secret', meetingId).toString('base64url'),
    pin: derive(masterKey, 'janus-room-pin', meetingId).toString('base64url'),
  };
}

/** The person's feed (publisher) number in their visit's room. */
export function visitFeed(meetingId: string, participantId: string, masterKey: Buffer = env().masterKey): number {
  return safeInteger(derive(masterKey, 'janus-feed', `${meetingId}\0${participantId}`));
}

/** Makes the visit's room unless it is there already (made by another server, or earlier). */
export async function openVisitRoom(meetingId: string, options: { largestVisit: number; session?: JanodeSession; masterKey?: Buffer }): Promise<VisitRoom> {
  const room = visitRoom(meetingId, options.masterKey);
  await withVideoRoom(options.session, async (handle) => {
    if ((await handle.exists({ room: room.room })).exists) return;
    await handle
      .create({
        room: room.room,
        description: 'Televisit visit',
        is_private: true,
        permanent: false,
        secret: room.secret,
        pin: room.pin,
        max_publishers: options.largestVisit,
        bitrate: PUBLISHER_BITRATE,
        bitrate_cap: true,
        audiocodec: 'opus',
        videocodec: 'vp8',
      })
      // Another server made it between the two calls: the same room.
      .catch((error: unknown) => ignoreCode(error, ROOM_EXISTS));
  });
  return room;
}

/** Destroys the visit's room (its people's media stop at once); a room already gone is no error. */
export async function closeVisitRoom(meetingId: string, options: { session?: JanodeSession; masterKey?: Buffer } = {}): Promise<void> {
  const room = visitRoom(meetingId, options.masterKey);
  await withVideoRoom(options.session, async (handle) => {
    await handle.destroy({ room: room.room, secret: room.secret }).catch((error: unknown) => ignoreCode(error, NO_SUCH_ROOM));
  });
}

/** Takes a person out of the visit's room (Remove); one not in it, or no room, is no error. */
export async function kickFromVisitRoom(meetingId: string, participantId: string, options: { session?: JanodeSession; masterKey?: Buffer } = {}): Promise<void> {
  const room = visitRoom(meetingId, options.masterKey);
  const feed = visitFeed(meetingId, participantId, options.masterKey);
  await withVideoRoom(options.session, async (handle) => {
    await handle.kick({ room: room.room, feed, secret: room.secret }).catch((error: unknown) => ignoreCode(error, NO_SUCH_ROOM, NO_SUCH_FEED));
  });
}

/** The feeds in the visit's room now (with `publishing`, only those sending media), or null when there is no room. */
export async function visitRoomFeeds(meetingId: string, options: { session?: JanodeSession; masterKey?: Buffer; publishing?: boolean } = {}): Promise<number[] | null> {
  const room = visitRoom(meetingId, options.masterKey);
  return withVideoRoom(options.session, async (handle) => {
    try {
      const { participants } = await handle.listParticipants({ room: room.room, secret: room.secret });
      return participants.filter((participant) => !options.publishing || participant.publisher).map((participant) => Number(participant.feed));
    } catch (error) {
      ignoreCode(error, NO_SUCH_ROOM);
      return null;
    }
  });
}

/**
 * Runs `work` on a videoroom handle of its own, let go of afterwards (without waiting). Janus not
 * answering in time, or its session gone, is MediaServerUnavailable; Janus' own refusals (with
 * their videoroom code) are passed on as they are.
 */
export async function withVideoRoom<Value>(given: JanodeSession | undefined, work: (handle: VideoRoomHandle) => Promise<Value>): Promise<Value> {
  const handle = await attachVideoRoom(given);
  try {
    return await withTimeout(work(handle), CALL_TIMEOUT_MS, 'videoroom request');
  } catch (error) {
    throw unavailableUnlessJanus(error);
  } finally {
    void handle.detach().catch(() => undefined);
  }
}

/** A handle on the videoroom plugin, on the monitor's session unless one is given; the caller lets it go. */
export async function attachVideoRoom(given?: JanodeSession): Promise<VideoRoomHandle> {
  const session = given ?? mediaServerSession();
  if (!session) throw new MediaServerUnavailable('not connected');
  const VideoRoom = (await import('janode/plugins/videoroom')).default;
  const attaching = session.attach(VideoRoom);
  return withTimeout(attaching, CALL_TIMEOUT_MS, 'attach').catch((error: unknown) => {
    // One that comes after all is let go at once.
    void attaching.then((late) => late.detach()).catch(() => undefined);
    throw unavailableUnlessJanus(error);
  });
}

/** Janus' refusal (it has a videoroom error code) as it is; anything else means Janus is not there for us. */
export function unavailableUnlessJanus(error: unknown): unknown {
  if (typeof (error as { _code?: unknown } | null)?._code === 'number' || error instanceof MediaServerUnavailable) return error;
  return new MediaServerUnavailable(error instanceof Error ? error.message : String(error));
}

/** Rethrows an error unless it is one of Janus' videoroom codes given. */
function ignoreCode(error: unknown, ...codes: number[]): void {
  const code = (error as { _code?: unknown } | null)?._code;
  if (typeof code === 'number' && codes.includes(code)) return;
  throw error;
}

function derive(masterKey: Buffer, label: string, value: string): Buffer {
  return createHmac('sha256', masterKey).update(`${label}\0${value}`).digest();
}

/** A positive integer below 2^53 (Janus' ids are 64-bit; JSON and JavaScript keep 53 bits exactly). */
function safeInteger(digest: Buffer): number {
  return Number(digest.readBigUInt64BE(0) & ((1n << 53n) - 1n)) || 1;
}
