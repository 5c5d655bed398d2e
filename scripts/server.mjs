#!/usr/bin/env node
// The HTTP server in front of Next.js (a Next.js "custom server"), for what only the socket knows
// and what must be refused before any app code runs:
// - the address the TCP connection came from, handed to the app in `x-televisit-peer` (a client
//   cannot set it: any value it sends is replaced), so sign-in throttling never has to trust a
//   client's own X-Forwarded-For (lib/http/client-address.ts decides which proxies to trust), and
//   the path asked for in `x-televisit-path` (for the way back after sign-in);
// - server actions from a foreign origin (403), without a declared length (411) or over the size
//   limit (413), answered here in a few bytes: Next.js would answer them 500 after reading them;
// - request headers over 16 KB: Node's own limit answers 431 (a launch link that long is not
//   Epic's: a real CRYPTSTRING is under 2 KB), before the launch route could see it;
// - bursts of visit push-stream opens from one browser: Next.js spends a couple of milliseconds on
//   any request, so 500 opens at once would hold everyone else up for a second even if each were
//   refused. They are refused here in microseconds (429); the route keeps its own, authoritative
//   limit per participant for whatever gets past this one.
// Usage: node scripts/server.mjs [--dev]   (PORT, HOST; without --dev the build must exist:
// scripts/start.mjs makes it). It also serves the call's hot routes that the app registers as it
// starts (lib/visit/call-routes.ts), before Next.js routing.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';

const dev = process.argv.includes('--dev');
process.env.NODE_ENV = dev ? 'development' : 'production';
process.env.NEXT_TELEMETRY_DISABLED = '1';
// A promise nobody awaited must not take the clinic down with it: log it and keep serving.
process.on('unhandledRejection', (reason) => console.error('[server] unhandled rejection:', reason instanceof Error ? reason.message : reason));

const root = path.resolve(import.meta.dirname, '..');
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST || '0.0.0.0';
// Matches experimental.serverActions.bodySizeLimit in next.config.mjs (a 2 MB logo in its envelope).
const SERVER_ACTION_MAX_BYTES = 3 * 1024 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;
const ABANDONED_BODY_GRACE_MS = 1500;

const { default: next } = await import('next');
const app = next({ dev, dir: root, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const publicOrigin = safeOrigin(process.env.NEXTAUTH_URL);

const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: 20_000, requestTimeout: 120_000 }, (request, response) => {
  request.headers['x-televisit-peer'] = request.socket.remoteAddress ?? '';
  // One id per request, in the logs and in the answer, so a report can be matched to its log lines.
  const requestId = randomUUID();
  request.headers['x-request-id'] = requestId;
  response.setHeader('X-Request-Id', requestId);
  // The path asked for, so a page that sends a signed-out admin to sign-in can bring them back.
  request.headers['x-televisit-path'] = (request.url ?? '/').slice(0, 2048);
  const refusal =
    request.method === 'POST' && request.headers['next-action']
      ? serverActionRefusal(request)
      : request.method === 'GET' && STREAM_PATH.test(request.url ?? '')
        ? streamOpenRefusal(request)
        : null;
  // An answer that goes out before the request's body ended (refused early): the client gets a
  // moment to read it, then the connection closes, instead of the rest of the body being read.
  response.once('finish', () => {
    if (!request.complete) setTimeout(() => request.complete || request.socket.destroy(), ABANDONED_BODY_GRACE_MS).unref();
  });
  if (refusal) {
    response.writeHead(refusal.status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...refusal.headers });
    response.end(JSON.stringify({ error: refusal.error, message: refusal.message }));
    return;
  }
  // The call's own hot routes (lib/visit/call-routes.ts), registered by the app as it starts.
  if (globalThis.__televisitCallRoutes?.(request, response)) return;
  handle(request, response).catch((error) => {
    console.error('[server] request failed', error instanceof Error ? error.message : error);
    if (!response.headersSent) {
      response.writeHead(500, { 'Content-Type': 'application/json' });
      response.end('{"error":"internal","message":"Something went wrong; it has been logged"}');
    } else response.destroy();
  });
});
// Keep-alive longer than a typical proxy's idle timeout, so the proxy closes first.
server.keepAliveTimeout = 65_000;
// A deep accept queue: a morning's rush of patients opening their visits at once waits to be
// accepted instead of being reset (Node's default is 511; the kernel caps it at somaxconn).
server.listen({ port, host: hostname, backlog: 4096 }, () => console.log(`[televisit] listening on http://${hostname === '0.0.0.0' ? 'localhost' : hostname}:${port}`));

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    // Open push streams would hold close() forever: end them, then the process.
    server.close();
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
    setTimeout(() => process.exit(0), 3000).unref();
    void app.close?.().catch(() => undefined);
  });
}

/** Why a server action request is refused before Next.js reads it; null when it may go on. */
function serverActionRefusal(request) {
  const origin = request.headers.origin;
  if (origin) {
    const originHost = safeHost(origin);
    const host = request.headers['x-forwarded-host'] ?? request.headers.host;
    if (!originHost || (originHost !== host && originHost !== publicOrigin?.host)) {
      return { status: 403, error: 'foreign_origin', message: 'This action can only be sent from this site' };
    }
  }
  const length = request.headers['content-length'];
  if (length === undefined) return { status: 411, error: 'length_required', message: 'Send the body with a Content-Length' };
  if (!/^\d{1,12}$/.test(length) || Number(length) > SERVER_ACTION_MAX_BYTES) {
    return { status: 413, error: 'too_large', message: `The body must be at most ${SERVER_ACTION_MAX_BYTES} bytes` };
  }
  return null;
}

const STREAM_PATH = /^\/api\/visits\/[0-9a-f-]{36}\/events(?:\?|$)/;
// The same numbers as the route's own limit (app/api/visits/[meetingId]/events/route.ts).
const STREAM_OPENS_BURST = 4;
const STREAM_OPENS_PER_SECOND = 0.5;
const STREAM_BUCKETS_MAX = 50_000;
const streamBuckets = new Map();

/** A browser (its cookies for this visit) opening streams faster than any page would. */
function streamOpenRefusal(request) {
  const key = `${request.url}|${request.headers.cookie ?? ''}`.slice(0, 8192);
  const now = Date.now();
  const bucket = streamBuckets.get(key);
  const tokens = bucket ? Math.min(STREAM_OPENS_BURST, bucket.tokens + ((now - bucket.at) / 1000) * STREAM_OPENS_PER_SECOND) : STREAM_OPENS_BURST;
  streamBuckets.delete(key);
  streamBuckets.set(key, { tokens: tokens >= 1 ? tokens - 1 : tokens, at: now });
  if (streamBuckets.size > STREAM_BUCKETS_MAX) streamBuckets.delete(streamBuckets.keys().next().value);
  if (tokens >= 1) return null;
  const retryAfter = Math.ceil((1 - tokens) / STREAM_OPENS_PER_SECOND);
  return { status: 429, error: 'rate_limited', message: 'Too many connections from this visit link; wait a moment', headers: { 'Retry-After': String(retryAfter) } };
}

function safeHost(value) {
  try {
    return new URL(value).host;
  } catch {
    return null;
  }
}

function safeOrigin(value) {
  try {
    return value ? new URL(value) : null;
  } catch {
    return null;
  }
}
