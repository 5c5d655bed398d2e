import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { env } from '@/lib/env';

// Secrets at rest: AES-256-GCM under the master key. The field name is authenticated data,
// so a sealed value copied into another column does not open.
const VERSION = 'v1';

export function sealSecret(plaintext: string, field: string, masterKey: Buffer = env().masterKey): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(Buffer.from(field));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
}

export function openSecret(sealed: string, field: string, masterKey: Buffer = env().masterKey): string {
  const [version, iv, tag, body] = sealed.split(':');
  if (version !== VERSION || !iv || !tag || body === undefined) throw new Error(`sealed ${field} has an unknown format`);
  const decipher = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(iv, 'base64'));
  decipher.setAAD(Buffer.from(field));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
}

/**
 * Whether a presented token is the expected one, in time that depends on neither: both are hashed
 * first, so even their lengths are not compared (a plain length check answers a wrong length at
 * once, which tells a prober how long the token is).
 */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

/**
 * What the browser may see of a stored secret: that it is set, and its last four characters when
 * those are a small part of it (a 44-character key, not a 9-character password).
 */
export const SECRET_HINT_MIN_LENGTH = 16;

export function secretHint(sealed: string | null | undefined, field: string): string | null {
  if (!sealed) return null;
  const value = openSecret(sealed, field);
  return value.length >= SECRET_HINT_MIN_LENGTH ? value.slice(-4) : '';
}
