import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { env } from '@/lib/env';

// Every call this server makes to another server (Epic's notification endpoints, the test
// notification, OAuth discovery and tokens, the integration check) goes through here, because each
// is aimed by an admin's setting and an admin may aim it anywhere:
// - with `refusePrivate` (an integration in Production) a target that resolves to a private,
//   loopback or link-local address is refused, checked on the address actually connected to, so a
//   name that resolves to 127.0.0.1 does not pass; OUTGOING_PRIVATE_ALLOWLIST names the on-premise
//   Epic addresses that may be private;
// - no redirect is followed (a 3xx is the answer), so credentials never go on to another host;
// - at most `maxBytes` of an answer is read, and the timeout covers the body too: an endless or
//   slow answer costs a few KB and a few seconds, never the server's memory.

export const OUTGOING_MAX_BYTES = 8 * 1024;

export interface OutgoingPolicy {
  /** Refuse private, loopback and link-local addresses (Production). */
  refusePrivate: boolean;
  /** Addresses allowed although private: on-premise Epic (OUTGOING_PRIVATE_ALLOWLIST). */
  allowlist?: BlockList;
}

/** The limits of an integration's calls: a Production integration calls public addresses only. */
export function outgoingPolicy(integration: { epicEnvironment: string }): OutgoingPolicy {
  return { refusePrivate: integration.epicEnvironment === 'Production', allowlist: env().outgoingPrivateAllowlist };
}

export interface OutgoingRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes?: number;
  policy: OutgoingPolicy;
}

/** Why no HTTP answer came, in words an analyst acts on. */
export type OutgoingFailureKind = 'blocked' | 'dns' | 'refused' | 'timeout' | 'tls' | 'network' | 'bad_url';

export type OutgoingResult =
  | { ok: true; status: number; statusText: string; headers: Headers; body: Buffer; truncated: boolean; durationMs: number }
  | { ok: false; kind: OutgoingFailureKind; message: string; durationMs: number };

export async function outgoingRequest(request: OutgoingRequest): Promise<OutgoingResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fail = (kind: OutgoingFailureKind, message: string): OutgoingResult => ({ ok: false, kind, message, durationMs: elapsed() });
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return fail('bad_url', 'not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('bad_url', 'only http and https URLs are called');
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) && isRefused(literal, request.policy)) return fail('blocked', refusedMessage(literal));

  return new Promise<OutgoingResult>((resolve) => {
    let settled = false;
    const finish = (result: OutgoingResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const client = url.protocol === 'https:' ? https : http;
    const outgoing = client.request(url, {
      method: request.method ?? 'GET',
      headers: { ...request.headers, ...(request.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(request.body)) } : {}) },
      lookup: checkedLookup(request.policy),
      agent: false,
    });
    const timer = setTimeout(() => {
      outgoing.destroy();
      finish(fail('timeout', `no full answer within ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    outgoing.on('error', (error) => finish(fail(...classify(error))));
    outgoing.on('response', (response) => {
      const maxBytes = request.maxBytes ?? OUTGOING_MAX_BYTES;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (truncated: boolean) =>
        finish({
          ok: true,
          status: response.statusCode ?? 0,
          statusText: (response.statusMessage ?? '').slice(0, 100),
          headers: headersOf(response.headers),
          body: Buffer.concat(chunks),
          truncated,
          durationMs: elapsed(),
        });
      response.on('data', (chunk: Buffer) => {
        const room = maxBytes - size;
        chunks.push(chunk.subarray(0, Math.max(0, room)));
        size += chunk.length;
        if (size > maxBytes) {
          // Enough: the rest is never read, and the connection goes.
          done(true);
          response.destroy();
          outgoing.destroy();
        }
      });
      response.on('end', () => done(false));
      response.on('error', (error) => finish(fail(...classify(error))));
    });
    outgoing.end(request.body);
  });
}

/**
 * The same call as a `fetch` for libraries that take one (oauth4webapi's customFetch): the answer
 * is the capped body, a redirect is returned as it came, never followed.
 */
export function outgoingFetch(policy: OutgoingPolicy, timeoutMs: number, maxBytes = OUTGOING_MAX_BYTES) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = Object.fromEntries(new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).entries());
    const body = init?.body === undefined || init.body === null ? undefined : String(init.body);
    const result = await outgoingRequest({ url, method: (init?.method ?? 'GET') as 'GET' | 'POST', headers, body, timeoutMs, maxBytes, policy });
    if (!result.ok) throw new OutgoingError(result.kind, result.message);
    if (result.truncated) throw new OutgoingError('network', `the answer was larger than ${maxBytes} bytes`);
    // Response refuses a body with 204/304 and statuses outside 200-599.
    const status = result.status >= 200 && result.status <= 599 ? result.status : 502;
    return new Response([204, 205, 304].includes(status) ? null : new Uint8Array(result.body), { status, statusText: result.statusText, headers: result.headers });
  };
}

export class OutgoingError extends Error {
  constructor(
    readonly kind: OutgoingFailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** Private, loopback, link-local and other addresses no Epic on the internet has. */
const NOT_PUBLIC = (() => {
  const list = new BlockList();
  for (const [network, prefix] of [
    ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
    ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
  ] as const) list.addSubnet(network, prefix, 'ipv4');
  for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) list.addSubnet(network, prefix, 'ipv6');
  return list;
})();

/** Whether the policy refuses this address (IPv4 inside IPv6 is judged as IPv4). */
export function isRefused(address: string, policy: OutgoingPolicy): boolean {
  if (!policy.refusePrivate) return false;
  const plain = address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const type = isIP(plain) === 4 ? 'ipv4' : 'ipv6';
  if (policy.allowlist?.check(plain, type)) return false;
  return NOT_PUBLIC.check(plain, type);
}

function refusedMessage(address: string): string {
  return `${address} is a private, loopback or link-local address, which a Production integration does not call (OUTGOING_PRIVATE_ALLOWLIST allows an on-premise Epic)`;
}

/** DNS as usual, then every answer judged: the connection goes only to an address the policy allows. */
function checkedLookup(policy: OutgoingPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((entry) => isRefused(entry.address, policy));
      if (refused) {
        const blocked = Object.assign(new Error(refusedMessage(refused.address)), { code: 'EBLOCKED' });
        return callback(blocked, '', 0);
      }
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

function classify(error: Error): [OutgoingFailureKind, string] {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'EBLOCKED') return ['blocked', error.message];
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return ['dns', `the name does not resolve (${code})`];
  if (code === 'ECONNREFUSED') return ['refused', 'the connection was refused (nothing listens there)'];
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET' && /timeout/i.test(error.message)) return ['timeout', 'the connection timed out'];
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(code) || /certificate|ssl|tls/i.test(error.message)) return ['tls', `TLS failed (${code || error.message.slice(0, 80)})`];
  return ['network', code ? `the connection failed (${code})` : error.message.slice(0, 120)];
}

function headersOf(source: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return headers;
}
