// Epic's launch link: decode, decrypt and parse the CRYPTSTRING, then check its
// validity window. Pure: the clock, the secret and the time zone come in as arguments.
// The contract is section 1 of the Epic interface spec (docs/epic-contract.md).
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { LAUNCH_FIELD_MAX_LENGTH, LINK_VALIDITY_MAX_MINUTES } from '@/lib/epic/launch-limits';

export type EncryptionAlgorithm = 'AES-256-CBC' | 'AES-128-CBC';

export type LaunchFailureKind =
  | 'bad_encoding'
  | 'decrypt_failed'
  | 'missing_field'
  | 'bad_field'
  | 'expired'
  | 'not_yet_valid';

/**
 * Why a launch link was refused. The kind and message are for the server log and
 * the admin's launch log only: the browser must get one identical answer for every
 * kind, or the difference becomes a padding oracle. Messages never hold the secret,
 * the raw token or a field's value.
 */
export class LaunchTokenError extends Error {
  kind: LaunchFailureKind;
  /** SessionID (or ConferenceID when only that came), once it could be read. */
  sessionId?: string;
  /** ExternalID, once it could be read and was valid. */
  userId?: string;

  constructor(kind: LaunchFailureKind, message: string) {
    super(message);
    this.name = 'LaunchTokenError';
    this.kind = kind;
  }
}

export interface LaunchToken {
  sessionId: string | null;
  conferenceId: string | null;
  /** The meeting this link joins: ConferenceID for group visits, else SessionID. */
  meetingKey: string;
  userType: 'Patient' | 'Provider';
  externalId: string;
  externalIdType: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  orgId: string | null;
  timestamp: Date | null;
  appointmentTime: Date | null;
  /** The effective validity: the link's LinkValidityPeriod, else the admin default. 0 = never expires. */
  linkValidityMinutes: number;
  /** null when the link never expires (validity 0). */
  expiresAt: Date | null;
  launchCode: string | null;
  roomName: string | null;
}

export interface ParseLaunchOptions {
  now: Date;
  /** IANA zone of the Epic server, used to read AppointmentTime. */
  epicTimeZone: string;
  defaultLinkValidityMinutes: number;
}

export interface ReadLaunchOptions extends ParseLaunchOptions {
  secret: string;
  algorithm: EncryptionAlgorithm;
}

/** How far in the future a Timestamp may lie: clocks of Epic and this server drift. */
export const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;


// A real CRYPTSTRING is well under 2 KB; the cap keeps a hostile link from making
// us decode and decrypt megabytes before it is refused.
const CRYPTSTRING_MAX_LENGTH = 16_384;

const AES_BLOCK_BYTES = 16;
// Epic uses no IV (16 zero bytes), which makes links deterministic: see the spec on replay.
const ZERO_IV = Buffer.alloc(AES_BLOCK_BYTES);

/**
 * The AES key from the admin's Encryption Secret. AES-256: the secret is base64 of
 * exactly 32 bytes. AES-128 (older Epic): the first 16 bytes of SHA-1 of the secret.
 * A bad secret is a configuration error, not a bad link, so it throws a plain Error.
 */
/** A token that went through JSON (sealed while a launch waits): its dates are dates again. */
export function reviveLaunchToken(value: unknown): LaunchToken {
  const token = value as Record<string, unknown>;
  for (const field of ['timestamp', 'appointmentTime', 'expiresAt'] as const) {
    if (typeof token[field] === 'string') token[field] = new Date(token[field]);
  }
  return token as unknown as LaunchToken;
}

export function launchKeyFromSecret(secret: string, algorithm: EncryptionAlgorithm): Buffer {
  if (secret.length === 0) {
    throw new Error('The Encryption Secret is empty');
  }
  if (algorithm === 'AES-128-CBC') {
    return createHash('sha1').update(secret, 'utf8').digest().subarray(0, 16);
  }
  // Tolerate surrounding whitespace from pasting, nothing else.
  const base64 = secret.trim();
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(base64) && base64.length % 4 === 0 ? Buffer.from(base64, 'base64') : null;
  if (key === null || key.length !== 32) {
    throw new Error('The Encryption Secret for AES-256-CBC must be base64 that decodes to exactly 32 bytes');
  }
  return key;
}

/**
 * The ciphertext bytes of a CRYPTSTRING, surviving what real links do to base64:
 * '+' read back as a space, the URL-safe alphabet, dropped '=' padding.
 * Anything else is refused as 'bad_encoding', as is a length that cannot be AES-CBC.
 */
export function decodeCryptString(data: string): Buffer {
  if (data.length === 0 || data.length > CRYPTSTRING_MAX_LENGTH) {
    throw new LaunchTokenError('bad_encoding', `CRYPTSTRING length ${data.length} is out of range`);
  }
  const standard = data.replace(/[ -]/g, '+').replace(/_/g, '/');
  const match = /^([A-Za-z0-9+/]+)(={0,2})$/.exec(standard);
  if (match === null) {
    throw new LaunchTokenError('bad_encoding', 'CRYPTSTRING holds characters outside base64');
  }
  const [, body = '', padding = ''] = match;
  // A body of 4n+1 characters cannot be base64; padding, when present, must complete the quartet.
  const paddingValid = padding.length === 0 || (body.length + padding.length) % 4 === 0;
  if (body.length % 4 === 1 || !paddingValid) {
    throw new LaunchTokenError('bad_encoding', 'CRYPTSTRING is not well-formed base64');
  }
  const bytes = Buffer.from(body, 'base64');
  if (bytes.length === 0 || bytes.length % AES_BLOCK_BYTES !== 0) {
    throw new LaunchTokenError('bad_encoding', `CRYPTSTRING decodes to ${bytes.length} bytes, not a multiple of 16`);
  }
  return bytes;
}

/** Decode and decrypt a CRYPTSTRING to its plaintext query string. */
export function decryptLaunchData(data: string, key: Buffer, algorithm: EncryptionAlgorithm): string {
  const ciphertext = decodeCryptString(data);
  const cipherName = cipherNameFor(algorithm, key);
  let plainBytes: Buffer;
  try {
    const decipher = createDecipheriv(cipherName, key, ZERO_IV);
    plainBytes = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new LaunchTokenError('decrypt_failed', 'CRYPTSTRING did not decrypt (wrong key or damaged data)');
  }
  try {
    // fatal: a wrong key that happens to leave valid padding almost never leaves valid UTF-8.
    return new TextDecoder('utf-8', { fatal: true }).decode(plainBytes);
  } catch {
    throw new LaunchTokenError('decrypt_failed', 'CRYPTSTRING decrypted to bytes that are not UTF-8 (wrong key or damaged data)');
  }
}

/** What Epic does: AES-CBC with a zero IV and PKCS#7, as standard base64. For sample links and tests. */
export function encryptLaunchData(plaintext: string, key: Buffer, algorithm: EncryptionAlgorithm): string {
  const cipher = createCipheriv(cipherNameFor(algorithm, key), key, ZERO_IV);
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/**
 * Read a decrypted launch plaintext and check its validity window against
 * options.now.
 *
 * Window: it starts at AppointmentTime when present (a link opened before the
 * appointment is fine: patients arrive early), else at Timestamp, and lasts
 * LinkValidityPeriod minutes (the admin default when absent). 0 never expires.
 * With a validity above 0 but neither Timestamp nor AppointmentTime the window
 * cannot be checked, so the link is refused as 'missing_field'. A Timestamp more
 * than FUTURE_TOLERANCE_MS ahead of now is 'not_yet_valid'; now after expiresAt
 * is 'expired' (the exact end is still valid).
 *
 * A repeated field with different values (including ExternalID and its alias
 * UserID) is 'bad_field': either reading could be wrong.
 *
 * An invalid epicTimeZone or defaultLinkValidityMinutes is a configuration error
 * and throws a RangeError rather than a LaunchTokenError.
 */
export function parseLaunchToken(plaintext: string, options: ParseLaunchOptions): LaunchToken {
  const identity: LaunchIdentity = {};
  try {
    return parseLaunchFields(plaintext, options, identity);
  } catch (error) {
    // So the admin's launch log can say whose link failed, whatever failed after the IDs were read.
    if (error instanceof LaunchTokenError) {
      if (identity.sessionId !== undefined) error.sessionId ??= identity.sessionId;
      if (identity.userId !== undefined) error.userId ??= identity.userId;
    }
    throw error;
  }
}

/** Decode, decrypt and parse a launch link's data parameter (after one URL-decoding). */
export function readLaunchToken(data: string, options: ReadLaunchOptions): LaunchToken {
  const key = launchKeyFromSecret(options.secret, options.algorithm);
  const plaintext = decryptLaunchData(data, key, options.algorithm);
  return parseLaunchToken(plaintext, options);
}

// ---------------------------------------------------------------------------

interface LaunchIdentity {
  sessionId?: string;
  userId?: string;
}

type LaunchFields = Map<string, string[]>;

function parseLaunchFields(plaintext: string, options: ParseLaunchOptions, identity: LaunchIdentity): LaunchToken {
  const defaultValidity = options.defaultLinkValidityMinutes;
  if (!Number.isInteger(defaultValidity) || defaultValidity < 0 || defaultValidity > LINK_VALIDITY_MAX_MINUTES) {
    throw new RangeError(`defaultLinkValidityMinutes must be an integer from 0 to ${LINK_VALIDITY_MAX_MINUTES}`);
  }
  const fields = collectFields(plaintext);

  // The IDs first, so every later failure can carry them.
  const sessionId = readText(fields, 'SessionID');
  if (sessionId !== null) identity.sessionId = sessionId;
  const conferenceId = readText(fields, 'ConferenceID');
  if (conferenceId !== null) identity.sessionId ??= conferenceId;
  const externalId = readText(fields, 'ExternalID', 'UserID');
  const externalIdValid = externalId !== null && /^[A-Za-z0-9]+$/.test(externalId);
  if (externalIdValid) identity.userId = externalId;

  const meetingKey = conferenceId ?? sessionId;
  if (meetingKey === null) {
    throw new LaunchTokenError('missing_field', 'SessionID is missing (and there is no ConferenceID)');
  }
  if (externalId === null) {
    throw new LaunchTokenError('missing_field', 'ExternalID is missing');
  }
  if (!externalIdValid) {
    throw new LaunchTokenError('bad_field', 'ExternalID is not alphanumeric');
  }
  const userType = readUserType(fields);

  const externalIdType = readText(fields, 'ExternalIDType');
  const firstName = readText(fields, 'FirstName');
  const lastName = readText(fields, 'LastName');
  const email = readText(fields, 'Email');
  const orgId = readText(fields, 'OrgID');
  const launchCode = readText(fields, 'LaunchCode', 'launch');
  const roomName = readText(fields, 'RoomName');

  const timestamp = readTimestamp(fields);
  const appointmentTime = readAppointmentTime(fields, options.epicTimeZone);
  const linkValidityMinutes = readLinkValidity(fields) ?? defaultValidity;

  const nowMs = options.now.getTime();
  if (timestamp !== null && timestamp.getTime() > nowMs + FUTURE_TOLERANCE_MS) {
    throw new LaunchTokenError('not_yet_valid', 'Timestamp is more than 5 minutes in the future');
  }
  let expiresAt: Date | null = null;
  if (linkValidityMinutes > 0) {
    const windowStart = appointmentTime ?? timestamp;
    if (windowStart === null) {
      throw new LaunchTokenError('missing_field', 'Neither Timestamp nor AppointmentTime is present, so the validity window cannot be checked');
    }
    expiresAt = new Date(windowStart.getTime() + linkValidityMinutes * 60_000);
    if (nowMs > expiresAt.getTime()) {
      throw new LaunchTokenError('expired', `The link expired at ${expiresAt.toISOString()}`);
    }
  }

  return {
    sessionId,
    conferenceId,
    meetingKey,
    userType,
    externalId,
    externalIdType,
    firstName,
    lastName,
    email,
    orgId,
    timestamp,
    appointmentTime,
    linkValidityMinutes,
    expiresAt,
    launchCode,
    roomName,
  };
}

/** Every value of the query string under its lower-cased name; '+' is a space. */
function collectFields(plaintext: string): LaunchFields {
  const fields: LaunchFields = new Map();
  for (const [name, value] of new URLSearchParams(plaintext)) {
    const key = name.toLowerCase();
    const values = fields.get(key);
    if (values === undefined) fields.set(key, [value]);
    else values.push(value);
  }
  return fields;
}

/** One text field (under its name or an alias), trimmed; null when absent or empty. */
function readText(fields: LaunchFields, name: string, ...aliases: string[]): string | null {
  const values = [name, ...aliases]
    .flatMap((candidate) => fields.get(candidate.toLowerCase()) ?? [])
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
  const [value = null] = values;
  if (value === null) return null;
  if (values.some((other) => other !== value)) {
    throw new LaunchTokenError('bad_field', `${name} appears more than once with different values`);
  }
  if (value.length > LAUNCH_FIELD_MAX_LENGTH) {
    throw new LaunchTokenError('bad_field', `${name} is longer than ${LAUNCH_FIELD_MAX_LENGTH} characters`);
  }
  // Values end up in pages, logs and Epic notifications; control characters have no business there.
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new LaunchTokenError('bad_field', `${name} contains control characters`);
  }
  return value;
}

function readUserType(fields: LaunchFields): 'Patient' | 'Provider' {
  const value = readText(fields, 'UserType');
  if (value === null) {
    throw new LaunchTokenError('missing_field', 'UserType is missing');
  }
  switch (value.toLowerCase()) {
    case 'patient':
      return 'Patient';
    case 'provider':
      return 'Provider';
    default:
      throw new LaunchTokenError('bad_field', 'UserType is neither Patient nor Provider');
  }
}

function readTimestamp(fields: LaunchFields): Date | null {
  const value = readText(fields, 'Timestamp');
  if (value === null) return null;
  // 12 digits reach past the year 33000: anything longer is not a real Unix time.
  if (!/^\d{1,12}$/.test(value)) {
    throw new LaunchTokenError('bad_field', 'Timestamp is not Unix seconds');
  }
  return new Date(Number(value) * 1000);
}

function readLinkValidity(fields: LaunchFields): number | null {
  const value = readText(fields, 'LinkValidityPeriod');
  if (value === null) return null;
  const minutes = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!(minutes >= 0 && minutes <= LINK_VALIDITY_MAX_MINUTES)) {
    throw new LaunchTokenError('bad_field', `LinkValidityPeriod is not a whole number of minutes from 0 to ${LINK_VALIDITY_MAX_MINUTES}`);
  }
  return minutes;
}

/** AppointmentTime is `MM/dd/yyyy hh:mm AM/PM` on the Epic server's wall clock. */
function readAppointmentTime(fields: LaunchFields, timeZone: string): Date | null {
  const value = readText(fields, 'AppointmentTime');
  if (value === null) return null;
  const match = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}) ?([AaPp][Mm])$/.exec(value);
  const bad = () => new LaunchTokenError('bad_field', 'AppointmentTime is not MM/dd/yyyy hh:mm AM/PM');
  if (match === null) throw bad();
  const [month, day, year, hour12, minute] = match.slice(1, 6).map(Number) as [number, number, number, number, number];
  const meridiem = (match[6] ?? '').toUpperCase();
  if (year < 1970 || month < 1 || month > 12 || hour12 < 1 || hour12 > 12 || minute > 59) throw bad();
  const hour = (hour12 % 12) + (meridiem === 'PM' ? 12 : 0);
  const wallClockAsUtc = Date.UTC(year, month - 1, day, hour, minute);
  // Date.UTC rolls 02/30 over to March: a day that changed on the way did not exist.
  if (new Date(wallClockAsUtc).getUTCDate() !== day) throw bad();
  return new Date(zonedWallClockToUtc(wallClockAsUtc, timeZone));
}

/**
 * The instant a wall-clock time (given as if it were UTC) names in an IANA zone.
 * Follows Temporal's 'compatible' choice at DST changes: a time the fall-back
 * hour repeats is its first occurrence; a time the spring-forward gap skips is
 * read with the offset before the gap (02:30 becomes 03:30 daylight time).
 */
function zonedWallClockToUtc(wallClockAsUtc: number, timeZone: string): number {
  const DAY_MS = 24 * 60 * 60 * 1000;
  // Offsets are never more than a day, and zones change at most once around a given day.
  const offsetBefore = zoneOffsetMs(wallClockAsUtc - DAY_MS, timeZone);
  const offsetAfter = zoneOffsetMs(wallClockAsUtc + DAY_MS, timeZone);
  const instants = [offsetBefore, offsetAfter]
    .filter((offset) => zoneOffsetMs(wallClockAsUtc - offset, timeZone) === offset)
    .map((offset) => wallClockAsUtc - offset);
  return instants.length > 0 ? Math.min(...instants) : wallClockAsUtc - offsetBefore;
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in ms (e.g. -6 h for CST). */
function zoneOffsetMs(instantMs: number, timeZone: string): number {
  let formatter = zoneFormatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormatters.set(timeZone, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(instantMs)) parts[part.type] = part.value;
  const wallClock = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour) % 24, // some engines print midnight as 24 even with h23
    Number(parts.minute),
    Number(parts.second),
  );
  // The formatter drops milliseconds, so compare against the whole second.
  return wallClock - (instantMs - (((instantMs % 1000) + 1000) % 1000));
}

function cipherNameFor(algorithm: EncryptionAlgorithm, key: Buffer): string {
  const keyBytes = algorithm === 'AES-256-CBC' ? 32 : 16;
  if (key.length !== keyBytes) {
    throw new RangeError(`${algorithm} needs a ${keyBytes}-byte key, got ${key.length} bytes`);
  }
  return algorithm === 'AES-256-CBC' ? 'aes-256-cbc' : 'aes-128-cbc';
}
