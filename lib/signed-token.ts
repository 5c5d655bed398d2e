import { createHmac, timingSafeEqual } from 'node:crypto';
import { env } from '@/lib/env';

// Small signed values for cookies: `<base64url JSON>.<HMAC-SHA256>`, keyed by the server's auth
// secret. Signed, not encrypted: put nothing in a payload the browser may not read.
//
// The purpose is part of what is signed, so a token made for one purpose (a visit's session) never
// verifies as another (a device test), even with the same fields. The expiry travels as `e` beside
// the payload's own fields; this is the format participant cookies had before this module, so
// visits in progress survive a deploy of it.

/** A verified payload: the fields that were signed, and `e`, when the token expires (ms since epoch). */
export type SignedPayload = Record<string, unknown> & { e: number };

// Cookies are at most 4 KB; anything longer is not ours and is not worth hashing.
const TOKEN_MAX_LENGTH = 4096;
// Letters, digits and '-' only, so `<purpose>:<body>` can be read back one way only.
const PURPOSE_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;

export function sign(purpose: string, payload: Record<string, unknown>, ttlMs: number, now = Date.now()): string {
  checkPurpose(purpose);
  if ('e' in payload) throw new Error('signed-token: `e` is the expiry and cannot be a payload field');
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new Error('signed-token: ttlMs must be a positive number');
  const body = Buffer.from(JSON.stringify({ ...payload, e: now + ttlMs })).toString('base64url');
  return `${body}.${mac(purpose, body)}`;
}

/** The payload when the token was signed for this purpose and has not expired; otherwise null. */
export function verify(purpose: string, token: string | null | undefined, now = Date.now()): SignedPayload | null {
  checkPurpose(purpose);
  if (!token || token.length > TOKEN_MAX_LENGTH) return null;
  const [body, given, ...rest] = token.split('.');
  if (!body || !given || rest.length) return null;
  const expected = Buffer.from(mac(purpose, body));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const { e } = payload as { e?: unknown };
  if (typeof e !== 'number' || e < now) return null;
  return payload as SignedPayload;
}

function mac(purpose: string, body: string): string {
  return createHmac('sha256', env().authSecret).update(`${purpose}:${body}`).digest('base64url');
}

function checkPurpose(purpose: string) {
  if (!PURPOSE_PATTERN.test(purpose)) throw new Error(`signed-token: bad purpose ${JSON.stringify(purpose)}`);
}
