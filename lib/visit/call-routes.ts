import type { IncomingMessage, ServerResponse } from 'node:http';
import { db } from '@/lib/db';
import { answerMediaServerRequest, onMediaLost } from '@/lib/media-server/visit-media';
import { AppError, badRequest, errorAnswer, tooManyRequests, unauthorized } from '@/lib/errors';
import { describeError, log } from '@/lib/log';
import { readNodeJsonBody } from '@/lib/http/body';
import { sharedLimiter, type RateLimiter } from '@/lib/http/rate-limit';
import { setMediaState } from '@/lib/visit/meeting-state';
import { PARTICIPANT_COOKIE, verifyParticipantSession, type ParticipantSession } from '@/lib/visit/participant-session';
import { mediaServerRequestSchema, mediaStateSchema, signalRequestSchema, SIGNAL_MAX_BYTES } from '@/lib/visit/schema';
import { noticeMediaLost, relaySignal } from '@/lib/visit/signal-relay';
import { streamHub } from '@/lib/visit/stream-hub';
import { serveVisitStream } from '@/lib/visit/visit-stream';

// The requests a call sends all the time are answered here, before Next.js routes them
// (scripts/server.mjs asks first): a WebRTC signal to relay, and a change of microphone or camera.
// Next.js spends about 2 ms of the one JavaScript thread on any request; at 2,500 visits, with a
// signal each way every 5 s, that alone would be more than the thread has (bench/capacity). Here
// each costs a tenth of that. They check the participant's launch cookie like every visit route.
//
//   POST /api/visits/<meetingId>/signal   { from, to, payload }  -> 204
//   POST /api/visits/<meetingId>/media    { connectionId, micOn, cameraOn, sharing? } -> 204 (403 when sharing is not
//                                         allowed, 409 from a page that no longer holds the connection)
//   POST /api/visits/<meetingId>/media-server   { action, ... } -> 200 with Janus' description, or 204
//                                         (a visit above four people: lib/media-server/visit-media.ts)
//
//   GET  /api/visits/<meetingId>/events   the visit's push stream (lib/visit/visit-stream.ts)
//
// Opening the push stream is limited per verified participant: a page reconnects after a blip or
// a reload, a flood from one link is refused in microseconds (429), and a request without a valid
// cookie gets 401. The key is the participant's ID, never anything the client chose, so the
// limiter's memory is bounded by its key count, whatever a stranger sends.

const CALL_ROUTE = /^\/api\/visits\/([0-9a-f-]{36})\/(signal|media|media-server)(?:\?.*)?$/;
const STREAM_ROUTE = /^\/api\/visits\/([0-9a-f-]{36})\/events(?:\?.*)?$/;

// Setting up a call takes a few dozen signals (an offer, an answer, candidates) per pair of people,
// and an ICE restart a few more: this leaves room for four people and bounds a runaway page.
const signalsPerParticipant = () => sharedLimiter('visit-signals', { burst: 300, perSecond: 30 });
// And by size: offers and answers are a few KB each, so a whole call's setup is tens of KB. A
// sender cannot push more than this at the others, whose streams must carry it (a flood of 30
// signals of 64 KB a second once filled the provider's stream until the server had to drop it).
const signalBytesPerParticipant = () => sharedLimiter('visit-signal-bytes', { burst: 512 * 1024, perSecond: 64 * 1024 });
// Each change reaches every tile in the visit: a person may toggle as often as a person does.
const mediaChangesPerParticipant = () => sharedLimiter('visit-media-state', { burst: 10, perSecond: 1 });
// A page reconnects after a network blip or a reload: a few at once, then one every two seconds.
const streamOpensPerParticipant = () => sharedLimiter('visit-stream-opens', { burst: 4, perSecond: 0.5 });

/** Serves the request when it is one of the call routes; false to let Next.js have it. */
// Media lost through the media server while a page was in the call (Janus restarted): its page is
// told, through its push stream, and starts its call again.
onMediaLost((meetingId, participantId) => {
  void (async () => noticeMediaLost(await streamHub(), await db(), meetingId, participantId))().catch((error: unknown) =>
    log.warn({ area: 'media-server', meetingId, participantId, error: describeError(error) }, 'could not tell a page its media were lost'),
  );
});

export function serveCallRoute(request: IncomingMessage, response: ServerResponse): boolean {
  if (request.method === 'GET') {
    const stream = STREAM_ROUTE.exec(request.url ?? '');
    if (!stream) return false;
    void openStream(request, response, stream[1]!);
    return true;
  }
  if (request.method !== 'POST') return false;
  const match = CALL_ROUTE.exec(request.url ?? '');
  if (!match) return false;
  void answer(request, response, match[1]!, match[2] as 'signal' | 'media' | 'media-server');
  return true;
}

async function answer(request: IncomingMessage, response: ServerResponse, meetingId: string, route: 'signal' | 'media' | 'media-server') {
  try {
    const session = sessionOf(request, meetingId);
    if (route === 'signal') {
      takeOrRefuse(signalsPerParticipant(), session.participantId);
      const signal = signalRequestSchema.parse(await readNodeJsonBody(request, SIGNAL_MAX_BYTES));
      const bytes = signalBytesPerParticipant();
      if (!bytes.take(session.participantId, Date.now(), Buffer.byteLength(JSON.stringify(signal.payload)))) {
        throw tooManyRequests(bytes.retryAfterSeconds(session.participantId), 'Too much signalling data; wait a moment');
      }
      await relaySignal(await streamHub(), await db(), meetingId, session.participantId, signal);
    } else if (route === 'media-server') {
      takeOrRefuse(signalsPerParticipant(), session.participantId);
      const ask = mediaServerRequestSchema.parse(await readNodeJsonBody(request, SIGNAL_MAX_BYTES));
      const snapshot = await (await streamHub()).meetingSnapshot(meetingId);
      const body = await answerMediaServerRequest(snapshot, session.participantId, ask);
      if (body) return void response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(body));
    } else {
      takeOrRefuse(mediaChangesPerParticipant(), session.participantId);
      const media = mediaStateSchema.parse(await readNodeJsonBody(request, MEDIA_MAX_BYTES));
      const outcome = await setMediaState(await db(), session.participantId, media);
      if (outcome === 'not_connected') throw new AppError('not_connected', 409, 'This page is not connected to the visit now; reload it');
      if (outcome === 'share_not_allowed') throw new AppError('share_not_allowed', 403, 'Screen sharing is not allowed for you in these visits');
    }
    response.writeHead(204, { 'Cache-Control': 'no-store' }).end();
  } catch (error) {
    sendError(response, error, `visit ${route}`);
  }
}

/** The visit's push stream (lib/visit/visit-stream.ts), once the cookie and the rate of opens allow it. */
async function openStream(request: IncomingMessage, response: ServerResponse, meetingId: string) {
  try {
    const session = sessionOf(request, meetingId);
    const limiter = streamOpensPerParticipant();
    if (!limiter.take(session.participantId)) throw tooManyRequests(limiter.retryAfterSeconds(session.participantId), 'Too many connections from this visit link; wait a moment');
    await serveVisitStream(request, response, meetingId, session.participantId);
  } catch (error) {
    sendError(response, error, 'visit stream');
  }
}

/** The participant of the request's visit cookie; 401 without a valid one, 400 when the header cannot be read. */
function sessionOf(request: IncomingMessage, meetingId: string): ParticipantSession {
  const session = verifyParticipantSession(cookieValue(request.headers.cookie, PARTICIPANT_COOKIE), meetingId);
  if (!session) throw unauthorized('Open the visit from its link first');
  return session;
}

const MEDIA_MAX_BYTES = 512;

function takeOrRefuse(limiter: RateLimiter, key: string): void {
  if (!limiter.take(key)) throw tooManyRequests(limiter.retryAfterSeconds(key));
}

function sendError(response: ServerResponse, error: unknown, context: string): void {
  const { status, body, headers } = errorAnswer(error, context);
  if (!response.headersSent) response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers }).end(JSON.stringify(body));
}

/** One cookie's value from a Cookie header; a value that is not valid percent-encoding is a 400. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator <= 0 || part.slice(0, separator).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(separator + 1).trim());
    } catch {
      throw badRequest(`The ${name} cookie cannot be read; open the visit from its link again`);
    }
  }
  return undefined;
}
