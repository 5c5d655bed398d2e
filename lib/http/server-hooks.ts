import type { IncomingMessage, ServerResponse } from 'node:http';
import { env } from '@/lib/env';
import { isTrustedPeer } from '@/lib/http/client-address';
import { serveWebRoute, type WebRouteHandler } from '@/lib/http/web-route';
import { serveCallRoute } from '@/lib/visit/call-routes';

// What scripts/server.mjs (plain JavaScript, in front of Next.js) asks the app, which registers
// these as it starts: the call's own routes, served on the socket; whether a socket's peer is one
// of TRUSTED_PROXIES, whose X-Forwarded-Proto and X-Forwarded-Host it may believe; and how to drain.
export interface ServerHooks {
  /** Serves the request when it is one of the call routes; false to let Next.js have it. */
  serve(request: IncomingMessage, response: ServerResponse): boolean;
  isTrustedProxy(address: string | undefined): boolean;
  /** The server is stopping: lets what it holds go elsewhere and finish (lib/server-start.ts). */
  drain(): Promise<void>;
}

const holder = globalThis as typeof globalThis & { __televisitHooks?: ServerHooks; __televisitReady?: () => void };

/** Route handlers of the app (app/…/route.ts) that scripts/server.mjs serves itself, before Next.js. */
export interface SocketRoutes {
  /** GET /launch: Epic's launch link (app/launch/route.ts). */
  launch: WebRouteHandler;
}

const LAUNCH_ROUTE = /^\/launch(?:\?|$)/;

export function registerServerHooks(drain: () => Promise<void>, routes: SocketRoutes): void {
  const trusted = env().trustedProxies;
  const serve = (request: IncomingMessage, response: ServerResponse): boolean => {
    if (serveCallRoute(request, response)) return true;
    // Every launch is a new visit's first request: Next.js's router costs more than the launch's
    // own work (bench/launch), so the launch handler is called here directly.
    if (request.method === 'GET' && LAUNCH_ROUTE.test(request.url ?? '')) {
      void serveWebRoute(request, response, routes.launch);
      return true;
    }
    return false;
  };
  holder.__televisitHooks = { serve, isTrustedProxy: (address) => isTrustedPeer(address, trusted), drain };
  // scripts/server.mjs listens only now: the settings are valid and the database is open.
  holder.__televisitReady?.();
}
