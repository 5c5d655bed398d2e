import { createHash, randomUUID } from 'node:crypto';
import { sign, verify } from '@/lib/signed-token';

// A browser that once signed in to an account with its password is a known device for that account
// (OWASP's "device cookies"). A stranger guessing the account's password never holds one, so what
// their guesses set off (the account-wide delay, the full password-check queue, an address shared
// through a proxy) does not reach a known device: it is throttled by its own failures only.

export const KNOWN_DEVICE_COOKIE = 'televisit-known-device';
export const KNOWN_DEVICE_DAYS = 180;
const PURPOSE = 'known-device';

/** The device's id when the cookie was signed here for this email and has not expired; else null. */
export function knownDeviceFor(token: string | undefined, email: string): string | null {
  const payload = verify(PURPOSE, token);
  if (!payload || payload.m !== accountTag(email) || typeof payload.d !== 'string') return null;
  return payload.d;
}

/** A new cookie value for this account (keeping the device's id when it had one). */
export function knownDeviceToken(email: string, device: string | null): string {
  return sign(PURPOSE, { m: accountTag(email), d: device ?? randomUUID() }, KNOWN_DEVICE_DAYS * 86_400_000);
}

/** The email, hashed: the cookie is signed, not encrypted, and need not name its admin. */
function accountTag(email: string): string {
  return createHash('sha256').update(email).digest('base64url').slice(0, 22);
}
