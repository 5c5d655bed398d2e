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
// Usage: node scripts/server.mjs [--dev]   (PORT, HOST; without --dev the build must exist:
// scripts/start.mjs makes it). It also serves the call's hot routes that the app registers as it
// starts (lib/visit/call-routes.ts), before Next.js routing: they also refuse bursts of visit
// push-stream opens from one participant, in microseconds instead of Next.js's milliseconds.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { limitConnections } from './connection-limits.mjs';

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

// The app says it is ready (lib/http/server-hooks.ts) once its settings are valid and its database
// is open: only then does this server listen, so a wrong setting stops it before "listening".
const appReady = new Promise((resolve) => (globalThis.__televisitReady = resolve));
const { default: next } = await import('next');
const app = next({ dev, dir: root, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();
if (!dev) await appReady;

const publicOrigin = safeOrigin(process.env.NEXTAUTH_URL);

const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: 20_000, requestTimeout: 120_000 }, (request, response) => {
  if (stopping) {
    // Draining: nothing new starts here; the load balancer tries another server.
    response.writeHead(503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Retry-After': '1', Connection: 'close' });
    response.end('{"error":"draining","message":"This server is restarting; try again"}');
    return;
  }
  request.headers['x-televisit-peer'] = request.socket.remoteAddress ?? '';
  const viaProxy = hooks()?.isTrustedProxy(request.socket.remoteAddress) ?? false;
  // Behind a TLS proxy that says so (and is one of TRUSTED_PROXIES), every cookie is Secure, even
  // when NEXTAUTH_URL still says http.
  if (publicOrigin?.protocol !== 'https:' && viaProxy && firstValue(request.headers['x-forwarded-proto']) === 'https') secureEveryCookie(response);
  // One id per request, in the logs and in the answer, so a report can be matched to its log lines.
  const requestId = randomUUID();
  request.headers['x-request-id'] = requestId;
  response.setHeader('X-Request-Id', requestId);
  // The path asked for, so a page that sends a signed-out admin to sign-in can bring them back.
  request.headers['x-televisit-path'] = (request.url ?? '/').slice(0, 2048);
  const refusal = request.method === 'POST' && request.headers['next-action'] ? serverActionRefusal(request, viaProxy) : null;
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
  if (hooks()?.serve(request, response)) return;
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
// A connection that sends no request within 10 s is closed; past IDLE_CONNECTIONS_MAX kept-alive
// idle ones, the longest idle are (scripts/connection-limits.mjs).
limitConnections(server, { silentMs: 10_000, idleMax: Number(process.env.IDLE_CONNECTIONS_MAX ?? 4096) });
// A deep accept queue: a morning's rush of patients opening their visits at once waits to be
// accepted instead of being reset (Node's default is 511; the kernel caps it at somaxconn).
server.listen({ port, host: hostname, backlog: 4096 }, () => console.log(`[televisit] listening on http://${hostname === '0.0.0.0' ? 'localhost' : hostname}:${port}`));

// SIGTERM (a restart, a deploy) drains the server: it stops accepting connections, answers any
// request that still arrives on an open one with 503 and Connection: close (a load balancer sends
// it to another server), tells every visit page to reconnect elsewhere at once, lets what is under
// way finish (requests, calls to Epic), and exits, within 10 s whatever happens.
const DRAIN_DEADLINE_MS = 10_000;
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`[televisit] ${signal}: draining`);
    setTimeout(() => {
      console.error('[televisit] drain deadline reached; exiting');
      process.exit(0);
    }, DRAIN_DEADLINE_MS - 500).unref();
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    void (hooks()?.drain() ?? Promise.resolve())
      .then(() => closed)
      .catch((error) => console.error('[televisit] drain failed', error instanceof Error ? error.message : error))
      .finally(() => {
        void app.close?.().catch(() => undefined);
        process.exit(0);
      });
  });
}

/** The app's hooks (lib/http/server-hooks.ts), registered as it starts. */
function hooks() {
  return globalThis.__televisitHooks;
}

/** Why a server action request is refused before Next.js reads it; null when it may go on. */
function serverActionRefusal(request, viaProxy) {
  const origin = request.headers.origin;
  if (origin) {
    const originHost = safeHost(origin);
    // The host the browser asked for: a trusted proxy says it in X-Forwarded-Host; anyone else's
    // X-Forwarded-Host is the client's own word, and would let any page's origin match.
    const host = (viaProxy && firstValue(request.headers['x-forwarded-host'])) || request.headers.host;
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

/** Adds Secure to every cookie the response sets that lacks it (the request came over TLS to the proxy). */
function secureEveryCookie(response) {
  const writeHead = response.writeHead;
  response.writeHead = function (status, ...rest) {
    const headers = rest.find((part) => part && typeof part === 'object');
    if (headers && !Array.isArray(headers)) for (const name of Object.keys(headers)) if (name.toLowerCase() === 'set-cookie') headers[name] = secured(headers[name]);
    const set = this.getHeader('set-cookie');
    if (set !== undefined) this.setHeader('set-cookie', secured(set));
    return writeHead.call(this, status, ...rest);
  };
}

function secured(value) {
  const add = (cookie) => (/;\s*secure\s*(;|$)/i.test(cookie) ? cookie : `${cookie}; Secure`);
  return Array.isArray(value) ? value.map(add) : add(String(value));
}

function firstValue(header) {
  return (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim() || undefined;
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
