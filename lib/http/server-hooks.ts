import type { IncomingMessage, ServerResponse } from 'node:http';
import { env } from '@/lib/env';
import { isTrustedPeer } from '@/lib/http/client-address';
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

export function registerServerHooks(drain: () => Promise<void>): void {
  const trusted = env().trustedProxies;
  holder.__televisitHooks = { serve: serveCallRoute, isTrustedProxy: (address) => isTrustedPeer(address, trusted), drain };
  // scripts/server.mjs listens only now: the settings are valid and the database is open.
  holder.__televisitReady?.();
}
