import { randomUUID } from 'node:crypto';
import { db } from '@/lib/db';
import { AppError, tooManyRequests } from '@/lib/errors';
import { sharedLimiter } from '@/lib/http/rate-limit';
import { connectParticipant, disconnectEventually } from '@/lib/visit/meeting-state';
import { meetingView } from '@/lib/visit/meeting-view';
import { withParticipant } from '@/lib/visit/participant-request';
import { streamHub, type StreamClient } from '@/lib/visit/stream-hub';
import { describeError, log } from '@/lib/log';

export const dynamic = 'force-dynamic';

// A page reconnects after a network blip or a reload; a flood of opens from one cookie is refused
// here, before any database work: a few at once, then one every two seconds.
const opensPerParticipant = () => sharedLimiter('visit-stream-opens', { burst: 4, perSecond: 0.5 });
/** Streams one server holds at most; each costs a socket and a little memory. */
const MAX_STREAMS_PER_SERVER = 20_000;
/** A browser that stops reading is dropped once this much waits for it. */
const MAX_UNREAD_BYTES = 512 * 1024;

/**
 * The visit's push stream (Server-Sent Events). While it is open the participant is connected;
 * it carries the participant's view of the meeting and the WebRTC signals addressed to them. The
 * newest stream of a participant wins: the older one gets a final `replaced` event.
 */
export const GET = withParticipant(async (request, { meetingId, session }) => {
  const limiter = opensPerParticipant();
  if (!limiter.take(session.participantId)) throw tooManyRequests(limiter.retryAfterSeconds(session.participantId), 'Too many connections from this visit link; wait a moment');
  const hub = await streamHub();
  if (hub.size >= MAX_STREAMS_PER_SERVER) throw new AppError('busy', 503, 'This server is full; try again shortly', { 'Retry-After': '5' });

  const database = await db();
  const connectionId = randomUUID();
  let outcome;
  try {
    outcome = await connectParticipant(database, session.participantId, connectionId);
  } catch (error) {
    log.error({ area: 'visit stream', error: describeError(error) }, 'connect failed');
    throw new AppError('unavailable', 503, 'The visit is briefly unavailable; reconnecting', { 'Retry-After': '2' });
  }

  const encoder = new TextEncoder();
  if (outcome !== 'connected' && outcome !== 'removed') {
    // Tell the page why, and ask EventSource not to come straight back (the page retries 'full' itself).
    const view = await meetingView(database, meetingId, session.participantId);
    const stage = outcome === 'full' ? 'full' : view.stage;
    const body = `retry: 600000\n\nevent: state\ndata: ${JSON.stringify({ ...view, stage, connectionId: null })}\n\n`;
    return new Response(body, { headers: STREAM_HEADERS });
  }
  // A removed patient's page keeps listening, unconnected, so "Let back in" reaches it at once.
  const listener = outcome === 'removed';

  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    hub.detach(client);
    // A replaced stream's place belongs to the newer one, and a listener was never connected.
    if (!client.replaced && !client.listener) disconnectEventually(database, session.participantId, connectionId);
  };
  const write = (text: string) => {
    if (closed) return;
    if ((controller.desiredSize ?? 0) < -MAX_UNREAD_BYTES) return client.close();
    controller.enqueue(encoder.encode(text));
  };
  const client: StreamClient = {
    meetingId,
    participantId: session.participantId,
    connectionId,
    replaced: false,
    listener,
    lastState: null,
    lastChatId: 0,
    minEpoch: 0,
    send: (event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    comment: (text) => write(`: ${text}\n\n`),
    close() {
      if (closed) return;
      closed = true;
      try {
        controller.close();
      } catch {
        // already closed by the client
      }
      finish();
    },
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController;
        controller.enqueue(encoder.encode('retry: 2000\n\n'));
      },
      cancel() {
        closed = true;
        finish();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  );
  request.signal.addEventListener('abort', () => client.close());
  hub.attach(client);
  // The browser may have gone while we were connecting it: then no abort event will come.
  if (request.signal.aborted) client.close();
  return new Response(stream, { headers: STREAM_HEADERS });
}, 'visit stream');

const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-store, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};
