import type { VideoRoomHandle } from 'janode/plugins/videoroom';
import { AppError } from '@/lib/errors';
import { log, describeError } from '@/lib/log';
import { isInCall, videoPathOf, type MeetingSnapshot } from '@/lib/visit/meeting-view';
import type { MediaServerRequest } from '@/lib/visit/schema';
import { mediaServerSession, withTimeout } from './janus';
import { attachVideoRoom, closeVisitRoom, kickFromVisitRoom, MediaServerUnavailable, openVisitRoom, unavailableUnlessJanus, visitFeed, visitRoom, visitRoomFeeds } from './visit-rooms';

// Each person's media through the visit's room in Janus, driven by this server for their page:
// a publisher (their camera and microphone, sent once) and a subscriber (everyone else's, received
// on one connection). The page sends its offer and gets Janus' answer; asks for the people it
// should see and gets Janus' offer; sends its answer; and sends its ICE candidates. Janus' own
// candidates are in its descriptions.
//
// The server says whom a page receives: only people in the same call (the caller passes who they
// are, from the meeting's state), and only by the feed numbers it derives itself, so no page can
// name another visit's feed, and nobody waiting gets any.
//
// A person's handles live on the server that made them (in this process), each person's steps one
// at a time. They end when the person leaves the call, is removed (kicked from the room) or the
// visit ends (the room destroyed), and with the connection to Janus.

const CALL_TIMEOUT_MS = 8000;
/** janode's events on a handle Janus let go of (its session or Janus gone), and on one whose WebRTC connection ended. */
const HANDLE_DETACHED = 'handle_detached';
const HANDLE_HANGUP = 'handle_hangup';

export interface SubscriptionOffer {
  description: { type: 'offer'; sdp: string };
  /** Which participant each of the offer's media sections (mid) carries. */
  streams: Array<{ mid: string; participantId: string; kind: 'audio' | 'video' }>;
  /** A new subscription: answered on a new connection (the earlier one, if any, is over). */
  fresh: boolean;
}

interface Member {
  meetingId: string;
  participantId: string;
  /** The page's call these handles belong to: another (a reload, a restart of the call) starts afresh. */
  call: string;
  publisher: VideoRoomHandle | null;
  subscriber: VideoRoomHandle | null;
  /** The feeds the subscriber receives (its last offer answered), by participant. */
  subscribed: Map<string, number>;
  /** The video section (mid) of each person received, for choosing their simulcast layer. */
  videoMids: Map<string, string>;
  /** What the last offer, not yet answered, would make it receive, and its video sections. */
  offered: { feeds: Map<string, number>; videoMids: Map<string, string> } | null;
  /** Let go of: a step still running detaches what it makes. */
  gone: boolean;
  queue: Promise<unknown>;
}

/** Told when the server lost a person's media while their page was still in the call. */
export type MediaLostListener = (meetingId: string, participantId: string) => void;

const holder = globalThis as typeof globalThis & { __televisitVisitMedia?: Map<string, Member>; __televisitMediaLost?: MediaLostListener };
const members = (holder.__televisitVisitMedia ??= new Map<string, Member>());

/**
 * Who tells a page that its media here are over though it did not leave (Janus restarted or its
 * connection dropped, the handle hung up): the page starts its call again at once, instead of
 * finding out when its connections time out. One listener per process (lib/visit/call-routes.ts).
 */
export function onMediaLost(listener: MediaLostListener): void {
  holder.__televisitMediaLost = listener;
}

/** Publishes the person's offer (a first one, a renegotiation or an ICE restart); Janus' answer. */
export function publish(meetingId: string, participantId: string, call: string, options: { offer: { type: 'offer'; sdp: string }; largestVisit: number }): Promise<{ type: 'answer'; sdp: string }> {
  return inTurn(meetingId, participantId, call, async (member) => {
    if (member.publisher) return answerOf(await withTimeout(member.publisher.configure({ jsep: options.offer }), CALL_TIMEOUT_MS, 'republish'));
    const { room, pin } = await openVisitRoom(meetingId, { largestVisit: options.largestVisit });
    return keep(member, 'publisher', await attach(member), async (handle) =>
      // No name goes to Janus (its logs are not ours to keep clean): the feed number is all it knows.
      answerOf(await withTimeout(handle.joinConfigurePublisher({ room, pin, feed: visitFeed(meetingId, participantId), jsep: options.offer }), CALL_TIMEOUT_MS, 'publish')),
    );
  });
}

/**
 * Makes the person receive exactly `others` (participants in the same call) among those publishing
 * now. Janus' offer when that changes what they receive; null when it does not. `fresh`: the offer
 * is of a new subscription (the page answers it on a new connection).
 */
export function subscribe(meetingId: string, participantId: string, call: string, others: string[]): Promise<SubscriptionOffer | null> {
  return inTurn(meetingId, participantId, call, async (member) => {
    const publishing = await publishingFeeds(meetingId);
    const wanted = new Map<string, number>();
    for (const other of others) {
      const feed = visitFeed(meetingId, other);
      if (other !== participantId && publishing.has(feed)) wanted.set(other, feed);
    }
    const added = [...wanted].filter(([other]) => !member.subscribed.has(other));
    const removed = [...member.subscribed].filter(([other]) => !wanted.has(other));
    if (added.length === 0 && removed.length === 0) return null;
    let result: { jsep?: unknown; streams?: unknown };
    const fresh = !member.subscriber;
    if (!member.subscriber) {
      if (added.length === 0) return null;
      const { room, pin } = visitRoom(meetingId);
      // autoupdate off: Janus would otherwise renegotiate by itself when someone leaves, with an
      // offer nobody here answers; the page asks, and is offered, every change.
      result = await keep(member, 'subscriber', await attach(member), (handle) =>
        withTimeout(handle.joinSubscriber({ room, pin, autoupdate: false, streams: added.map(([, feed]) => ({ feed })) }), CALL_TIMEOUT_MS, 'subscribe'),
      );
    } else {
      // Janus refuses an empty list (430): each is sent only with something in it.
      const change = {
        ...(added.length ? { subscribe: added.map(([, feed]) => ({ feed })) } : {}),
        ...(removed.length ? { unsubscribe: removed.map(([, feed]) => ({ feed })) } : {}),
      };
      result = await withTimeout(member.subscriber.update(change), CALL_TIMEOUT_MS, 'update subscription');
    }
    const description = result.jsep as { type?: string; sdp?: string } | undefined;
    if (description?.type !== 'offer' || typeof description.sdp !== 'string') return null;
    const byFeed = new Map([...wanted].map(([other, feed]) => [feed, other]));
    const streams: SubscriptionOffer['streams'] = [];
    for (const stream of (result.streams ?? []) as Array<{ mid?: unknown; feed_id?: unknown; type?: unknown; active?: unknown }>) {
      const other = byFeed.get(Number(stream.feed_id));
      if (other && typeof stream.mid === 'string' && (stream.type === 'audio' || stream.type === 'video') && stream.active !== false) {
        streams.push({ mid: stream.mid, participantId: other, kind: stream.type });
      }
    }
    // What it receives changes when the page answers (answerSubscription).
    member.offered = { feeds: wanted, videoMids: new Map(streams.filter((stream) => stream.kind === 'video').map((stream) => [stream.participantId, stream.mid])) };
    return { description: { type: 'offer', sdp: description.sdp }, streams, fresh };
  });
}

/** The person's answer to Janus' last subscription offer. */
export function answerSubscription(meetingId: string, participantId: string, call: string, answer: { type: 'answer'; sdp: string }): Promise<void> {
  return inTurn(meetingId, participantId, call, async (member) => {
    if (!member.subscriber || !member.offered) throw new AppError('no_offer', 409, 'There is no offer of video to answer; ask for the others again');
    const offered = member.offered;
    member.offered = null;
    await withTimeout(member.subscriber.start({ jsep: answer }), CALL_TIMEOUT_MS, 'start');
    member.subscribed = offered.feeds;
    member.videoMids = offered.videoMids;
  });
}

/**
 * Which simulcast layer of each sender the person receives (lib/visit/schema.ts
 * SIMULCAST_TOP_LAYER): the page asks for the size its tiles show. Senders it does not receive now
 * are passed over; Janus falls back to a lower layer by itself when a higher one stops.
 */
export function chooseLayers(meetingId: string, participantId: string, call: string, layers: Array<{ participantId: string; layer: number }>): Promise<void> {
  return inTurn(meetingId, participantId, call, async (member) => {
    const streams = layers.flatMap(({ participantId: other, layer }) => {
      const mid = member.videoMids.get(other);
      return mid ? [{ mid, substream: layer }] : [];
    });
    if (!member.subscriber || streams.length === 0) return;
    await withTimeout(member.subscriber.configure({ streams }), CALL_TIMEOUT_MS, 'choose layers');
  });
}

/** An ICE candidate of the page's publishing or receiving connection (null: gathering is done). */
export function trickle(meetingId: string, participantId: string, call: string, side: 'publisher' | 'subscriber', candidate: RTCIceCandidateInit | null): Promise<void> {
  return inTurn(meetingId, participantId, call, async (member) => {
    const handle = member[side];
    if (!handle) return;
    await withTimeout(candidate ? handle.trickle(candidate) : handle.trickleComplete(), CALL_TIMEOUT_MS, 'trickle');
  });
}

/**
 * The person left the call (or was removed, or the visit ended, or their page's connection to Janus
 * ended): their handles go at once, not after a step in progress (which then fails). With `call`,
 * only that call's: a late leave of a page's earlier call does not end the one it started since.
 */
export async function leaveMedia(participantId: string, call?: string): Promise<void> {
  const member = members.get(participantId);
  if (!member || (call !== undefined && member.call !== call)) return;
  members.delete(participantId);
  member.gone = true;
  await Promise.all([member.publisher, member.subscriber].map((handle) => (handle ? withTimeout(handle.detach(), CALL_TIMEOUT_MS, 'detach').catch(() => undefined) : undefined)));
}

/** Whether this server holds media for the person (the page's requests came here). */
export function hasMedia(participantId: string): boolean {
  return members.has(participantId);
}

async function publishingFeeds(meetingId: string): Promise<Set<number>> {
  return new Set((await visitRoomFeeds(meetingId, { publishing: true })) ?? []);
}

/**
 * Joins with a new handle and keeps it as the member's publisher or subscriber; a handle whose join
 * fails, or whose member was let go meanwhile, is detached (it would hold the person's feed number).
 */
async function keep<Value>(member: Member, side: 'publisher' | 'subscriber', handle: VideoRoomHandle, join: (handle: VideoRoomHandle) => Promise<Value>): Promise<Value> {
  try {
    const value = await join(handle);
    if (member.gone) throw new MediaServerUnavailable('left meanwhile');
    member[side] = handle;
    return value;
  } catch (error) {
    void handle.detach().catch(() => undefined);
    throw error;
  }
}

async function attach(member: Member): Promise<VideoRoomHandle> {
  const VideoRoom = (await import('janode/plugins/videoroom')).default;
  const handle = await attachVideoRoom();
  // Kicked (Remove), the room destroyed (End), the page's connection to Janus closed, or the handle
  // gone with Janus: the person's media here are over. In the last two their page is told (it starts
  // its call again if it is still in it). A page's own leave let go of its member first: nobody is told.
  // Removed or ended: the page is not told to start again (it is out of the call, and a stale view
  // of the meeting could let it publish again).
  const over = (tellPage: boolean) => {
    if (members.get(member.participantId) !== member) return;
    void leaveMedia(member.participantId);
    if (tellPage) holder.__televisitMediaLost?.(member.meetingId, member.participantId);
  };
  // (A publisher is also told of others leaving: only its own kick counts.)
  handle.on(VideoRoom.EVENT.VIDEOROOM_LEAVING, (event: { reason?: string }) => {
    if (event.reason === 'kicked') over(false);
  });
  handle.once(VideoRoom.EVENT.VIDEOROOM_DESTROYED, () => over(false));
  handle.once(HANDLE_DETACHED, () => over(true));
  handle.once(HANDLE_HANGUP, () => over(true));
  return handle;
}

/**
 * Runs the person's step after their previous one. A step of another call of theirs (a reloaded
 * page, a call started again) first lets go of the earlier call's handles; one of another visit is
 * refused.
 */
async function inTurn<Value>(meetingId: string, participantId: string, call: string, step: (member: Member) => Promise<Value>): Promise<Value> {
  let member = members.get(participantId);
  if (member && member.meetingId !== meetingId) throw new AppError('not_in_call', 403, 'Only people in the call send and receive video');
  if (member && member.call !== call) {
    await leaveMedia(participantId);
    member = members.get(participantId);
  }
  if (!member) {
    member = { meetingId, participantId, call, publisher: null, subscriber: null, subscribed: new Map(), videoMids: new Map(), offered: null, gone: false, queue: Promise.resolve() };
    members.set(participantId, member);
  }
  const current = member;
  const run = current.queue.catch(() => undefined).then(() => step(current));
  // The caller hears of a failure; the next step runs all the same.
  current.queue = run.catch(() => undefined);
  return run;
}

function answerOf(result: { jsep?: unknown }): { type: 'answer'; sdp: string } {
  const description = result.jsep as { type?: string; sdp?: string } | undefined;
  if (description?.type !== 'answer' || typeof description.sdp !== 'string') throw new MediaServerUnavailable('no answer from the media server');
  return { type: 'answer', sdp: description.sdp };
}

/**
 * A page's request (lib/visit/schema.ts mediaServerRequestSchema), from a person in the call of a
 * visit whose video goes through the media server: what to send back, or null for nothing.
 */
export async function answerMediaServerRequest(snapshot: MeetingSnapshot | null, participantId: string, request: MediaServerRequest): Promise<object | null> {
  if (request.action === 'leave') {
    await leaveMedia(participantId, request.call);
    return null;
  }
  const me = snapshot?.people.find((person) => person.id === participantId);
  if (!snapshot || !me || !isInCall(snapshot, me)) {
    await leaveMedia(participantId);
    throw new AppError('not_in_call', 403, 'Only people in the call send and receive video');
  }
  if (videoPathOf(snapshot.policies) !== 'media-server') throw new AppError('peer_to_peer', 409, "This visit's video goes between the browsers, not through the media server");
  const meetingId = snapshot.meeting.id;
  try {
    switch (request.action) {
      case 'publish':
        return { description: await publish(meetingId, participantId, request.call, { offer: request.description, largestVisit: snapshot.policies.largestVisit }) };
      case 'subscribe': {
        const others = snapshot.people.filter((person) => person.id !== me.id && person.connectionId && isInCall(snapshot, person)).map((person) => person.id);
        return { offer: await subscribe(meetingId, participantId, request.call, others) };
      }
      case 'answer':
        await answerSubscription(meetingId, participantId, request.call, request.description);
        return null;
      case 'candidate':
        await trickle(meetingId, participantId, request.call, request.side, request.candidate);
        return null;
      case 'layers':
        await chooseLayers(meetingId, participantId, request.call, request.layers);
        return null;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const reason = unavailableUnlessJanus(error);
    log.warn({ area: 'media-server', participantId, action: request.action, error: describeError(reason) }, 'media server request failed');
    if (reason instanceof MediaServerUnavailable) throw new AppError('media_server_unavailable', 503, 'The video service is not answering; trying again', { 'Retry-After': '2' });
    throw new AppError('media_server_refused', 409, 'The video service refused that; the page starts its video again');
  }
}

/**
 * Removed from the visit: their media stop at once, both ways (their publisher kicked from the room,
 * their subscriber let go). Nothing to do without a media server; failures are logged, never thrown.
 */
export function afterRemoval(meetingId: string, participantId: string): void {
  if (!mediaServerSession()) return;
  // The kick first: it takes the feed out of the room and tells everyone's subscriptions. Had the
  // handle been let go first, the feed stayed listed (held by their subscriptions) and the kick
  // found no one.
  void (async () => {
    await kickFromVisitRoom(meetingId, participantId);
    await leaveMedia(participantId);
  })().catch((error: unknown) =>
    log.warn({ area: 'media-server', meetingId, participantId, error: describeError(error) }, 'could not take a removed person out of the media server'),
  );
}

/** The visit ended: its room goes, and everyone's media with it. */
export function afterVisitEnded(meetingId: string): void {
  if (!mediaServerSession()) return;
  for (const member of [...members.values()]) if (member.meetingId === meetingId) void leaveMedia(member.participantId);
  void closeVisitRoom(meetingId).catch((error: unknown) => log.warn({ area: 'media-server', meetingId, error: describeError(error) }, "could not destroy an ended visit's room"));
}
