import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { db } from '@/lib/db';
import type { Database } from '@/lib/db/client';
import { AppError } from '@/lib/errors';
import { connectParticipant, disconnectEventually, type ConnectOutcome } from '@/lib/visit/meeting-state';
import { meetingView } from '@/lib/visit/meeting-view';
import { streamHub, type StreamClient } from '@/lib/visit/stream-hub';
import { describeError, log } from '@/lib/log';

// The visit's push stream (Server-Sent Events), served on the socket before Next.js
// (lib/visit/call-routes.ts checks the cookie and the rate of opens first). While it is open the
// participant is connected; it carries the participant's view of the meeting, the WebRTC signals
// addressed to them, the chat they were there for, and their relay settings once in the call. The
// newest stream of a participant wins: the older one gets a final `replaced` event.
//
// What bounds it: streams per server; connects running at once (each is a transaction, and a
// morning's rush or a stranger opening a thousand at once must queue, not starve the pool or the
// event loop), with a bounded queue that answers 503 past it; unread bytes per stream.

/** Streams one server holds at most; each costs a socket and a little memory. */
const MAX_STREAMS_PER_SERVER = 20_000;
/** A browser that stops reading is dropped once this much waits for it. */
const MAX_UNREAD_BYTES = 512 * 1024;
/** Connect transactions at once (the PostgreSQL pool has 10 connections; the embedded database one). */
const CONNECTS_AT_ONCE = 6;
/** Opens waiting for a connect slot; past this they are told to come back shortly. */
const CONNECTS_WAITING_MAX = 4000;

const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-store, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

export async function serveVisitStream(request: IncomingMessage, response: ServerResponse, meetingId: string, participantId: string): Promise<void> {
  const pageId = pageIdOf(request.url);
  const hub = await streamHub();
  if (hub.size >= MAX_STREAMS_PER_SERVER) throw new AppError('busy', 503, 'This server is full; try again shortly', { 'Retry-After': '5' });
  const gone = () => response.destroyed || request.socket.destroyed;
  const release = await connectGate().enter();
  let outcome: ConnectOutcome;
  const database = await db();
  const connectionId = randomUUID();
  try {
    // A browser that went away while it waited (a page that reopened its stream at once) costs nothing.
    if (gone()) return;
    hub.connecting(connectionId);
    try {
      outcome = await connectParticipant(database, participantId, connectionId, pageId);
    } catch (error) {
      hub.notConnected(connectionId);
      log.error({ area: 'visit stream', error: describeError(error) }, 'connect failed');
      throw new AppError('unavailable', 503, 'The visit is briefly unavailable; reconnecting', { 'Retry-After': '2' });
    }
  } finally {
    release();
  }
  if (outcome !== 'connected') hub.notConnected(connectionId);
  // The browser went away while it was being connected: this stream is never attached, so it
  // replaces nothing. The participant's stream that is still open here gets its place back; with
  // none, the connection just made is undone as any closed stream is.
  if (gone()) {
    if (outcome === 'connected' && !(await hub.abandon(participantId, connectionId).catch(() => false))) disconnectEventually(database, participantId, connectionId);
    return;
  }

  if (outcome !== 'connected' && outcome !== 'removed') {
    // Tell the page why, and ask EventSource not to come straight back (the page retries 'full' itself).
    const view = await meetingView(database, meetingId, participantId);
    const stage = outcome === 'full' ? 'full' : view.stage;
    response.writeHead(200, STREAM_HEADERS).end(`retry: 600000\n\nevent: state\ndata: ${JSON.stringify({ ...view, stage, connectionId: null })}\n\n`);
    return;
  }

  let closed = false;
  const write = (text: string) => {
    if (closed) return;
    if (response.writableLength > MAX_UNREAD_BYTES) return client.close();
    response.write(text);
  };
  const client: StreamClient = {
    meetingId,
    participantId,
    connectionId,
    replaced: false,
    // A removed patient's page keeps listening, unconnected, so "Let back in" reaches it at once.
    listener: outcome === 'removed',
    lastState: null,
    lastChatId: 0,
    minEpoch: 0,
    iceSent: false,
    send: (event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    sendEncoded: (event, json) => write(`event: ${event}\ndata: ${json}\n\n`),
    backlog: () => response.writableLength,
    comment: (text) => write(`: ${text}\n\n`),
    close() {
      if (closed) return;
      closed = true;
      response.end();
      finish();
    },
  };
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    hub.detach(client);
    // A replaced stream's place belongs to the newer one, and a listener was never connected.
    if (!client.replaced && !client.listener) disconnectAfterGrace(database, participantId, connectionId);
  };
  response.writeHead(200, STREAM_HEADERS);
  response.write('retry: 2000\n\n');
  response.on('close', () => {
    closed = true;
    finish();
  });
  hub.attach(client);
}

/**
 * A stream that closed without a word (a network blip, a phone switching networks, an app server
 * draining or gone): the page reconnects within a second or two, often to another server. The
 * disconnect waits a moment, and happens only if that connection is still the person's (a
 * compare-and-set): a page that came back is never reported gone, Epic's green light does not
 * flicker, and the others keep their video. Leaving on purpose (Leave, closing the page) says so
 * and disconnects at once (app/api/visits/[meetingId]/actions).
 */
export const DISCONNECT_GRACE_MS = 3000;
const pendingDisconnects = new Set<Promise<void>>();

function disconnectAfterGrace(database: Database, participantId: string, connectionId: string): void {
  const pending = new Promise<void>((resolve) => {
    setTimeout(() => {
      disconnectEventually(database, participantId, connectionId);
      resolve();
    }, DISCONNECT_GRACE_MS).unref();
  });
  pendingDisconnects.add(pending);
  void pending.then(() => pendingDisconnects.delete(pending));
}

/** Resolves once every disconnect waiting out its grace has been started (for a server that drains). */
export async function settleDisconnects(): Promise<void> {
  await Promise.all([...pendingDisconnects]);
}

/** The page a stream belongs to: `?page=` as the page sent it, when it looks like one of ours. */
function pageIdOf(url: string | undefined): string | null {
  const page = new URLSearchParams((url ?? '').split('?')[1] ?? '').get('page');
  return page && /^[A-Za-z0-9_-]{8,64}$/.test(page) ? page : null;
}

interface Gate {
  /** Waits for a slot (503 when too many wait already); call the returned function to give it back. */
  enter(): Promise<() => void>;
}

/** At most `size` at once; up to `maxWaiting` wait their turn in order. */
export function createGate(size: number, maxWaiting: number): Gate {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return {
    async enter() {
      if (running < size) {
        running++;
        return once(release);
      }
      if (waiting.length >= maxWaiting) throw new AppError('busy', 503, 'Many people are joining at once; reconnecting shortly', { 'Retry-After': '2' });
      await new Promise<void>((resolve) => waiting.push(resolve));
      return once(release);
    },
  };
}

function once(work: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    work();
  };
}

const holder = globalThis as typeof globalThis & { __televisitConnectGate?: Gate };

function connectGate(): Gate {
  holder.__televisitConnectGate ??= createGate(CONNECTS_AT_ONCE, CONNECTS_WAITING_MAX);
  return holder.__televisitConnectGate;
}
