import type { IncomingMessage, ServerResponse } from 'node:http';
import { db } from '@/lib/db';
import { AppError, errorAnswer, tooManyRequests, unauthorized } from '@/lib/errors';
import { readNodeJsonBody } from '@/lib/http/body';
import { sharedLimiter, type RateLimiter } from '@/lib/http/rate-limit';
import { setMediaState } from '@/lib/visit/meeting-state';
import { participantCookieName, verifyParticipantSession } from '@/lib/visit/participant-session';
import { mediaStateSchema, signalRequestSchema, SIGNAL_MAX_BYTES } from '@/lib/visit/schema';
import { relaySignal } from '@/lib/visit/signal-relay';
import { streamHub } from '@/lib/visit/stream-hub';

// The two requests a call sends all the time are answered here, before Next.js routes them
// (scripts/server.mjs asks first): a WebRTC signal to relay, and a change of microphone or camera.
// Next.js spends about 2 ms of the one JavaScript thread on any request; at 2,500 visits, with a
// signal each way every 5 s, that alone would be more than the thread has (bench/capacity). Here
// each costs a tenth of that. They check the participant's launch cookie like every visit route.
//
//   POST /api/visits/<meetingId>/signal   { from, to, payload }  -> 204
//   POST /api/visits/<meetingId>/media    { micOn, cameraOn, sharing? } -> 204 (403 when sharing is not allowed)

const CALL_ROUTE = /^\/api\/visits\/([0-9a-f-]{36})\/(signal|media)(?:\?.*)?$/;

// Setting up a call takes a few dozen signals (an offer, an answer, candidates) per pair of people,
// and an ICE restart a few more: this leaves room for four people and bounds a runaway page.
const signalsPerParticipant = () => sharedLimiter('visit-signals', { burst: 300, perSecond: 30 });
// Each change reaches every tile in the visit: a person may toggle as often as a person does.
const mediaChangesPerParticipant = () => sharedLimiter('visit-media-state', { burst: 10, perSecond: 1 });

/** Serves the request when it is one of the call routes; false to let Next.js have it. */
export function serveCallRoute(request: IncomingMessage, response: ServerResponse): boolean {
  if (request.method !== 'POST') return false;
  const match = CALL_ROUTE.exec(request.url ?? '');
  if (!match) return false;
  void answer(request, response, match[1]!, match[2] === 'signal' ? 'signal' : 'media');
  return true;
}

async function answer(request: IncomingMessage, response: ServerResponse, meetingId: string, route: 'signal' | 'media') {
  try {
    const session = verifyParticipantSession(cookie(request.headers.cookie, participantCookieName(meetingId)), meetingId);
    if (!session) throw unauthorized('Open the visit from its link first');
    if (route === 'signal') {
      takeOrRefuse(signalsPerParticipant(), session.participantId);
      const signal = signalRequestSchema.parse(await readNodeJsonBody(request, SIGNAL_MAX_BYTES));
      await relaySignal(await streamHub(), await db(), meetingId, session.participantId, signal);
    } else {
      takeOrRefuse(mediaChangesPerParticipant(), session.participantId);
      const media = mediaStateSchema.parse(await readNodeJsonBody(request, MEDIA_MAX_BYTES));
      const outcome = await setMediaState(await db(), session.participantId, media);
      if (outcome === 'not_connected') throw new AppError('not_connected', 409, 'Join the visit first');
      if (outcome === 'share_not_allowed') throw new AppError('share_not_allowed', 403, 'Screen sharing is not allowed for you in these visits');
    }
    response.writeHead(204, { 'Cache-Control': 'no-store' }).end();
  } catch (error) {
    const { status, body, headers } = errorAnswer(error, `visit ${route}`);
    if (!response.headersSent) response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers }).end(JSON.stringify(body));
  }
}

const MEDIA_MAX_BYTES = 256;

function takeOrRefuse(limiter: RateLimiter, key: string): void {
  if (!limiter.take(key)) throw tooManyRequests(limiter.retryAfterSeconds(key));
}

/** One cookie's value from a Cookie header. */
function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return decodeURIComponent(part.slice(separator + 1).trim());
  }
  return undefined;
}

const holder = globalThis as typeof globalThis & { __televisitCallRoutes?: typeof serveCallRoute };

/** Offers the call routes to scripts/server.mjs, which asks them before Next.js. */
export function registerCallRoutes(): void {
  holder.__televisitCallRoutes = serveCallRoute;
}
