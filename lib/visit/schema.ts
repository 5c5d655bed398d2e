import { z } from 'zod';

/** Epic's UserType: who a launch is for, and what Epic is told about. */
export const USER_TYPES = ['Patient', 'Provider'] as const;
export type UserType = (typeof USER_TYPES)[number];
/**
 * Who can be in a visit: Epic's users; room devices (monitor calls); and guests a provider invited
 * from the call (an interpreter, family, another clinician). Epic is told only of its own users.
 */
export const PARTICIPANT_TYPES = [...USER_TYPES, 'Room', 'Guest'] as const;
export type ParticipantType = (typeof PARTICIPANT_TYPES)[number];
/** What a guest is there as: shown beside their name on their tile and in the lists. */
export const GUEST_ROLES = ['interpreter', 'family', 'clinician'] as const;
export type GuestRole = (typeof GUEST_ROLES)[number];
/** waiting: no provider has joined yet; active: started; ended: over for everyone. */
export const MEETING_STATES = ['waiting', 'active', 'ended'] as const;
/**
 * People connected to one visit at once, per integration ("Largest visit"): at least two, and at
 * most four while video is peer to peer (each browser sends to every other, and a phone cannot send
 * to more). Larger visits wait for the media server (issue 18), which raises the top to 12.
 */
export const SMALLEST_VISIT = 2;
export const PEER_TO_PEER_LARGEST_VISIT = 4;
/** Through the media server (JANUS_URL): each browser sends once and receives everyone else. */
export const MEDIA_SERVER_LARGEST_VISIT = 12;
/**
 * A page in such a visit sends its camera in two simulcast layers, 0 (180 lines) and 1 (360), and
 * each receiver takes the one its tile needs. Two, not three: a group visit's camera is 360 lines,
 * and Chromium sends at most two layers of a picture that size (its per-resolution limit); a third
 * (90 lines) would be smaller than any tile.
 */
export const SIMULCAST_TOP_LAYER = 1;
/** Admitted patients go straight in whenever a provider is there; removed ones stay out. */
export const ADMISSIONS = ['waiting', 'admitted', 'removed'] as const;

// What browsers may send about a visit; parsed by the route handlers.
const id = z.uuid('Not a valid ID');

/** A whole signal request: an SDP offer for four media sections is well under this. */
export const SIGNAL_MAX_BYTES = 96 * 1024;

export const signalRequestSchema = z.object({
  /** The sender's connection as the sender knows it: a signal from a closed connection is stale. */
  from: id,
  to: id,
  // An SDP description or an ICE candidate, relayed as it is; bounded so a row stays small.
  payload: z.record(z.string(), z.unknown()).refine((payload) => JSON.stringify(payload).length <= 64_000, 'Signal too large'),
});

/** What a page of a visit through the media server asks of it (lib/media-server/visit-media.ts). */
const sdp = z.string().min(1).max(64_000, 'Description too large');
/** The page's call: random per start of it, so a late request of an earlier call is told apart. */
const call = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'Not a call ID');
export const mediaServerRequestSchema = z.discriminatedUnion('action', [
  // Its camera and microphone: a first offer, a renegotiation or an ICE restart.
  z.strictObject({ action: z.literal('publish'), call, description: z.strictObject({ type: z.literal('offer'), sdp }) }),
  // The others in the call, as the server knows them: Janus' offer when what it receives changed.
  z.strictObject({ action: z.literal('subscribe'), call }),
  z.strictObject({ action: z.literal('answer'), call, description: z.strictObject({ type: z.literal('answer'), sdp }) }),
  z.strictObject({
    action: z.literal('candidate'),
    call,
    side: z.enum(['publisher', 'subscriber']),
    candidate: z.strictObject({ candidate: z.string().max(1024), sdpMid: z.string().max(64).nullish(), sdpMLineIndex: z.number().int().min(0).max(64).nullish(), usernameFragment: z.string().max(256).nullish() }).nullable(),
  }),
  // Which of each sender's simulcast layers to receive (0: the small one), for the size of their tile.
  z.strictObject({
    action: z.literal('layers'),
    call,
    layers: z.array(z.strictObject({ participantId: id, layer: z.number().int().min(0).max(SIMULCAST_TOP_LAYER) })).min(1).max(MEDIA_SERVER_LARGEST_VISIT - 1),
  }),
  z.strictObject({ action: z.literal('leave'), call }),
]);
export type MediaServerRequest = z.infer<typeof mediaServerRequestSchema>;

export const visitActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('admit'), participantId: id }),
  z.object({ action: z.literal('remove'), participantId: id }),
  z.object({ action: z.literal('readmit'), participantId: id }),
  z.object({ action: z.literal('end') }),
  z.object({ action: z.literal('leave'), connectionId: id }),
]);

export type VisitAction = z.infer<typeof visitActionSchema>;

/** What the page's microphone, camera and screen do, said from its connection (a replaced page cannot). */
export const mediaStateSchema = z.strictObject({ connectionId: id, micOn: z.boolean(), cameraOn: z.boolean(), sharing: z.boolean().optional() });
export type MediaState = z.infer<typeof mediaStateSchema>;

/** In-visit chat (lib/visit/chat.ts): one message. */
export const CHAT_MESSAGE_MAX_CHARS = 1000;

export const chatRequestSchema = z.strictObject({
  /** The page's connection: a page whose stream closed, or that another device replaced, cannot post. */
  connectionId: id,
  body: z.string('Write a message').trim().min(1, 'Write a message').max(CHAT_MESSAGE_MAX_CHARS, `A message is at most ${CHAT_MESSAGE_MAX_CHARS} characters`),
});

/** A request body: the message, its characters up to 4 bytes each, and the connection and JSON around it. */
export const CHAT_REQUEST_MAX_BYTES = CHAT_MESSAGE_MAX_CHARS * 4 + 128;
