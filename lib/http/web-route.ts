import type { IncomingMessage, ServerResponse } from 'node:http';
import { NextRequest } from 'next/server';
import { describeError, log } from '@/lib/log';

// A Next.js route handler (Request in, Response out) served straight from the socket by
// scripts/server.mjs, without Next.js's routing: for GET routes on the hot path (the launch), where
// the router costs more than the work. The handler is the same function Next.js would call, so both
// ways give the same answer; what next.config.mjs adds to every answer is added here too.

export type WebRouteHandler = (request: NextRequest) => Promise<Response>;

/** next.config.mjs `headers()`: kept in step with it (e2e/launch.spec.ts checks both ways). */
const EVERY_ANSWER_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'SAMEORIGIN',
};

export async function serveWebRoute(request: IncomingMessage, response: ServerResponse, handler: WebRouteHandler): Promise<void> {
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
    }
    // The origin only shapes nextUrl; handlers answer with paths, never with this host.
    const answer = await handler(new NextRequest(new URL(request.url ?? '/', 'http://localhost'), { method: request.method, headers }));
    const body = answer.body ? Buffer.from(await answer.arrayBuffer()) : null;
    const outgoing: Record<string, string | string[]> = { ...EVERY_ANSWER_HEADERS };
    answer.headers.forEach((value, name) => {
      if (name !== 'set-cookie') outgoing[name] = value;
    });
    const cookies = answer.headers.getSetCookie();
    if (cookies.length) outgoing['set-cookie'] = cookies;
    if (body) outgoing['content-length'] = String(body.length);
    response.writeHead(answer.status, outgoing);
    response.end(body ?? undefined);
  } catch (error) {
    log.error({ area: 'http', path: request.url?.split('?')[0], error: describeError(error) }, 'route served from the socket failed');
    if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'application/json', ...EVERY_ANSWER_HEADERS }).end('{"error":"internal","message":"Something went wrong; it has been logged"}');
    else response.destroy();
  }
}
