import { createHash, randomBytes, randomInt } from 'node:crypto';
import { secureCookies } from '@/lib/public-url';
import { PAIRING_CODE_ALPHABET, PAIRING_CODE_LENGTH } from '@/lib/rooms/schema';

// A room device's two secrets. The pairing code is typed once (shown to the admin once, valid a
// day); the device credential it buys is a random token kept in an HTTP-only cookie for as long as
// the device stays paired. Both are stored only as SHA-256 hashes: they are random and long, so a
// slow hash would add nothing but time on every request.

export const PAIRING_CODE_HOURS = 24;
export const ROOM_COOKIE = 'tv_room';
/** Browsers keep a cookie at most 400 days; the device's push stream renews it each time it opens. */
const ROOM_COOKIE_MAX_AGE = 400 * 24 * 3600;

export function newPairingCode(): string {
  return Array.from({ length: PAIRING_CODE_LENGTH }, () => PAIRING_CODE_ALPHABET[randomInt(PAIRING_CODE_ALPHABET.length)]).join('');
}

/** How the code is shown: two groups of five. */
export function formatPairingCode(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

export function newDeviceToken(): string {
  return randomBytes(32).toString('base64url');
}

export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function roomCookieOptions() {
  return { httpOnly: true, sameSite: 'lax' as const, secure: secureCookies(), path: '/', maxAge: ROOM_COOKIE_MAX_AGE };
}
