import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import {
  FUTURE_TOLERANCE_MS,
  LaunchTokenError,
  decodeCryptString,
  decryptLaunchData,
  encryptLaunchData,
  launchKeyFromSecret,
  parseLaunchToken,
  readLaunchToken,
  type EncryptionAlgorithm,
  type LaunchFailureKind,
} from '../lib/epic/launch-token.ts';

interface LaunchVector {
  name: string;
  algorithm: EncryptionAlgorithm;
  secret: string;
  plaintext: string;
  data: string;
  dataUrlEncoded: string;
}

const { vectors } = JSON.parse(
  readFileSync(new URL('./fixtures/launch-vectors.json', import.meta.url), 'utf8'),
) as { vectors: LaunchVector[] };

// The vectors' Timestamp 1795000000 is 2026-11-18T11:06:40Z; the clock is 3 min 20 s after it.
const VECTOR_NOW = new Date('2026-11-18T11:10:00Z');
const TIMESTAMP = 1_795_000_000;
const TIMESTAMP_DATE = new Date(TIMESTAMP * 1000);
const PARSE_OPTIONS = { now: TIMESTAMP_DATE, epicTimeZone: 'America/Chicago', defaultLinkValidityMinutes: 60 };
const BASE_FIELDS = `SessionID=777&UserType=Patient&ExternalID=P123&Timestamp=${TIMESTAMP}`;

const SECRET_256 = 'AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dw=';

// --- known-answer vectors from the spec -----------------------------------

for (const vector of vectors) {
  test(`spec vector ${vector.name} decrypts to its plaintext`, () => {
    const key = launchKeyFromSecret(vector.secret, vector.algorithm);
    assert.equal(decryptLaunchData(vector.data, key, vector.algorithm), vector.plaintext);
    assert.equal(decryptLaunchData(decodeURIComponent(vector.dataUrlEncoded), key, vector.algorithm), vector.plaintext);
  });

  test(`spec vector ${vector.name} is read as a valid launch`, () => {
    // 0 default: the lowercase-names vector carries no Timestamp, so only a never-expiring default lets it through.
    const token = readLaunchToken(vector.data, {
      secret: vector.secret,
      algorithm: vector.algorithm,
      now: VECTOR_NOW,
      epicTimeZone: 'America/Chicago',
      defaultLinkValidityMinutes: 0,
    });
    const expected = new URLSearchParams(vector.plaintext);
    assert.equal(token.externalId, expected.get('ExternalID') ?? expected.get('externalid'));
    assert.equal(token.meetingKey, expected.get('ConferenceID') ?? expected.get('SessionID') ?? expected.get('sessionid'));
  });
}

test('spec patient vector yields every field and a window of 60 minutes from Timestamp', () => {
  const vector = vectorNamed('aes256-patient');
  const token = readLaunchToken(vector.data, {
    secret: vector.secret,
    algorithm: vector.algorithm,
    now: VECTOR_NOW,
    epicTimeZone: 'America/Chicago',
    defaultLinkValidityMinutes: 15,
  });
  assert.deepEqual(token, {
    sessionId: '10007057852',
    conferenceId: null,
    meetingKey: '10007057852',
    userType: 'Patient',
    externalId: '165790',
    externalIdType: null,
    firstName: 'Ana',
    lastName: 'Díaz',
    email: null,
    orgId: null,
    timestamp: new Date('2026-11-18T11:06:40Z'),
    appointmentTime: null,
    linkValidityMinutes: 60,
    expiresAt: new Date('2026-11-18T12:06:40Z'),
    launchCode: null,
    roomName: null,
  });
});

test('spec vectors opened at 09:50Z, 76 minutes before their Timestamp, are not_yet_valid', () => {
  const vector = vectorNamed('aes256-patient');
  assertLaunchError(() => readLaunchToken(vector.data, { ...vectorReadOptions(vector), now: new Date('2026-11-18T09:50:00Z') }), 'not_yet_valid');
});

test('spec provider vector reads a provider with a decoded email', () => {
  const vector = vectorNamed('aes128-provider');
  const token = readLaunchToken(vector.data, { ...vectorReadOptions(vector), defaultLinkValidityMinutes: 15 });
  assert.equal(token.userType, 'Provider');
  assert.equal(token.externalId, 'EMP42');
  assert.equal(token.email, 'lee.chen@example.org');
});

test('spec group vector joins the ConferenceID meeting and keeps the SessionID', () => {
  const token = readLaunchToken(vectorNamed('aes256-group').data, vectorReadOptions(vectorNamed('aes256-group')));
  assert.equal(token.meetingKey, 'CONF-77');
  assert.equal(token.conferenceId, 'CONF-77');
  assert.equal(token.sessionId, '10007057852');
});

test('spec lowercase-names vector is refused with a default validity because it has no Timestamp', () => {
  const vector = vectorNamed('aes256-lowercase-names');
  assertLaunchError(() => readLaunchToken(vector.data, { ...vectorReadOptions(vector), defaultLinkValidityMinutes: 60 }), 'missing_field', {
    sessionId: '555',
    userId: 'P9',
  });
});

// --- vectors built here with node:crypto -----------------------------------

test('an AES-256 link built with node:crypto is read back', () => {
  const key = randomBytes(32);
  const data = nodeEncrypt('aes-256-cbc', key, `${BASE_FIELDS}&FirstName=Mary+Ann&LastName=O%27Brien`);
  const token = readLaunchToken(data, { ...PARSE_OPTIONS, secret: key.toString('base64'), algorithm: 'AES-256-CBC' });
  assert.equal(token.meetingKey, '777');
  assert.equal(token.firstName, 'Mary Ann');
  assert.equal(token.lastName, "O'Brien");
});

test('an AES-128 link built with node:crypto from the SHA-1 of the secret is read back', () => {
  const secret = 'pässwörd with spaces';
  const key = createHash('sha1').update(secret, 'utf8').digest().subarray(0, 16);
  const data = nodeEncrypt('aes-128-cbc', key, BASE_FIELDS.replace('Patient', 'provider'));
  const token = readLaunchToken(data, { ...PARSE_OPTIONS, secret, algorithm: 'AES-128-CBC' });
  assert.equal(token.userType, 'Provider');
  assert.equal(token.externalId, 'P123');
});

test('a link still decrypts after + became space, URL-safe characters and dropped padding', () => {
  const key = randomBytes(32);
  // Search for a plaintext whose ciphertext has '+', '/' and padding, so every mangling is exercised.
  let data = '';
  for (let n = 0; !(data.includes('+') && data.includes('/') && data.endsWith('=')); n += 1) {
    data = nodeEncrypt('aes-256-cbc', key, `${BASE_FIELDS}&Padding=${'x'.repeat(n % 16)}${n}`);
  }
  const plaintext = decryptLaunchData(data, key, 'AES-256-CBC');
  for (const mangled of [
    data.replaceAll('+', ' '),
    data.replaceAll('+', '-').replaceAll('/', '_'),
    data.replace(/=+$/, ''),
    data.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, ''),
  ]) {
    assert.equal(decryptLaunchData(mangled, key, 'AES-256-CBC'), plaintext);
  }
});

test('encryptLaunchData produces what node:crypto produces, in standard base64', () => {
  const key = randomBytes(16);
  const plaintext = `${BASE_FIELDS}&LastName=D%C3%ADaz`;
  assert.equal(encryptLaunchData(plaintext, key, 'AES-128-CBC'), nodeEncrypt('aes-128-cbc', key, plaintext));
  assert.equal(decryptLaunchData(encryptLaunchData(plaintext, key, 'AES-128-CBC'), key, 'AES-128-CBC'), plaintext);
});

// --- key material -------------------------------------------------------------

test('an AES-256 secret must decode to exactly 32 bytes', () => {
  assert.equal(launchKeyFromSecret(SECRET_256, 'AES-256-CBC').length, 32);
  assert.throws(() => launchKeyFromSecret(randomBytes(16).toString('base64'), 'AES-256-CBC'));
  assert.throws(() => launchKeyFromSecret(randomBytes(33).toString('base64'), 'AES-256-CBC'));
  assert.throws(() => launchKeyFromSecret('not base64 at all!', 'AES-256-CBC'));
  assert.throws(() => launchKeyFromSecret('', 'AES-256-CBC'));
});

test('an AES-128 key is the first 16 bytes of SHA-1 of the secret', () => {
  const expected = createHash('sha1').update('televisit-shared-secret').digest().subarray(0, 16);
  assert.deepEqual(launchKeyFromSecret('televisit-shared-secret', 'AES-128-CBC'), expected);
});

test('an error from a bad secret does not repeat the secret', () => {
  const secret = 'dG9vLXNob3J0';
  assert.throws(
    () => launchKeyFromSecret(secret, 'AES-256-CBC'),
    (error: Error) => !error.message.includes(secret),
  );
});

// --- decoding and decryption failures ---------------------------------------

test('characters outside base64 are bad_encoding', () => {
  const data = encryptLaunchData(BASE_FIELDS, launchKeyFromSecret(SECRET_256, 'AES-256-CBC'), 'AES-256-CBC');
  for (const bad of [`${data.slice(0, 10)}*${data.slice(11)}`, `${data.slice(0, 10)}%2F${data.slice(13)}`, `${data}\n`, `=${data}`, `${data}===`]) {
    assertLaunchError(() => decodeCryptString(bad), 'bad_encoding');
  }
});

test('a CRYPTSTRING that is empty or not a multiple of 16 bytes is bad_encoding', () => {
  assertLaunchError(() => decodeCryptString(''), 'bad_encoding');
  assertLaunchError(() => decodeCryptString(randomBytes(20).toString('base64')), 'bad_encoding');
  assertLaunchError(() => decodeCryptString(randomBytes(31).toString('base64')), 'bad_encoding');
  // 4n+1 base64 characters cannot be decoded at all.
  assertLaunchError(() => decodeCryptString(`${randomBytes(48).toString('base64')}A`), 'bad_encoding');
  assert.equal(decodeCryptString(randomBytes(32).toString('base64')).length, 32);
});

test('a CRYPTSTRING truncated by a few characters is bad_encoding', () => {
  const data = vectorNamed('aes256-patient').data;
  assertLaunchError(() => readLaunchToken(data.slice(0, -3), vectorReadOptions(vectorNamed('aes256-patient'))), 'bad_encoding');
});

test('a CRYPTSTRING truncated by a whole block is decrypt_failed', () => {
  const vector = vectorNamed('aes256-patient');
  const truncated = decodeCryptString(vector.data).subarray(0, -16).toString('base64');
  assertLaunchError(() => readLaunchToken(truncated, vectorReadOptions(vector)), 'decrypt_failed');
});

test('the wrong key is decrypt_failed', () => {
  const vector = vectorNamed('aes256-patient');
  const wrongSecret = randomBytesFromSeed('wrong key').toString('base64');
  assertLaunchError(() => readLaunchToken(vector.data, { ...vectorReadOptions(vector), secret: wrongSecret }), 'decrypt_failed');
  assertLaunchError(
    () => readLaunchToken(vectorNamed('aes128-provider').data, { ...vectorReadOptions(vectorNamed('aes128-provider')), secret: 'televisit-shared-secreT' }),
    'decrypt_failed',
  );
});

test('a tampered byte in the last block is decrypt_failed', () => {
  const vector = vectorNamed('aes256-patient');
  const bytes = decodeCryptString(vector.data);
  bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0x01;
  assertLaunchError(() => readLaunchToken(bytes.toString('base64'), vectorReadOptions(vector)), 'decrypt_failed');
});

test('a plaintext that is not UTF-8 is decrypt_failed', () => {
  const key = randomBytes(32);
  const cipher = createCipheriv('aes-256-cbc', key, Buffer.alloc(16));
  const data = Buffer.concat([cipher.update(Buffer.from([0x53, 0x3d, 0xff, 0xfe, 0xc3])), cipher.final()]).toString('base64');
  assertLaunchError(() => decryptLaunchData(data, key, 'AES-256-CBC'), 'decrypt_failed');
});

test('decryption errors carry no IDs and never repeat the token or the secret', () => {
  const vector = vectorNamed('aes256-patient');
  const wrongSecret = randomBytesFromSeed('another wrong key').toString('base64');
  const error = captureLaunchError(() => readLaunchToken(vector.data, { ...vectorReadOptions(vector), secret: wrongSecret }));
  assert.equal(error.sessionId, undefined);
  assert.equal(error.userId, undefined);
  assert.ok(!error.message.includes(vector.data.slice(0, 16)));
  assert.ok(!error.message.includes(wrongSecret));
});

// --- required fields ------------------------------------------------------

test('a missing UserType is missing_field', () => {
  assertParseError(`SessionID=777&ExternalID=P123&Timestamp=${TIMESTAMP}`, 'missing_field');
});

test('a missing ExternalID is missing_field', () => {
  assertParseError(`SessionID=777&UserType=Patient&Timestamp=${TIMESTAMP}`, 'missing_field');
  assertParseError(`SessionID=777&UserType=Patient&ExternalID=&Timestamp=${TIMESTAMP}`, 'missing_field');
});

test('a missing SessionID without a ConferenceID is missing_field', () => {
  assertParseError(`UserType=Patient&ExternalID=P123&Timestamp=${TIMESTAMP}`, 'missing_field');
});

test('a ConferenceID without a SessionID is enough and picks the meeting', () => {
  const token = parse(`ConferenceID=GROUP9&UserType=Patient&ExternalID=P123&Timestamp=${TIMESTAMP}`);
  assert.equal(token.sessionId, null);
  assert.equal(token.meetingKey, 'GROUP9');
});

test('a ConferenceID picks the meeting over the SessionID', () => {
  const token = parse(`${BASE_FIELDS}&ConferenceID=GROUP9`);
  assert.equal(token.meetingKey, 'GROUP9');
  assert.equal(token.sessionId, '777');
});

test('a UserType other than Patient or Provider is bad_field', () => {
  assertParseError(BASE_FIELDS.replace('Patient', 'Admin'), 'bad_field');
  assertParseError(BASE_FIELDS.replace('Patient', 'Patients'), 'bad_field');
});

test('UserType is read case-insensitively and normalised', () => {
  assert.equal(parse(BASE_FIELDS.replace('Patient', 'PATIENT')).userType, 'Patient');
  assert.equal(parse(BASE_FIELDS.replace('Patient', 'pRoViDeR')).userType, 'Provider');
});

test('an ExternalID that is not letters and digits is bad_field', () => {
  for (const externalId of ['P-123', 'P%20123', 'P_123', '%C3%A9123', 'P123%3Cscript%3E']) {
    assertParseError(BASE_FIELDS.replace('ExternalID=P123', `ExternalID=${externalId}`), 'bad_field');
  }
});

test('a value longer than 256 characters is bad_field, 256 is accepted', () => {
  assert.equal(parse(`${BASE_FIELDS}&FirstName=${'a'.repeat(256)}`).firstName?.length, 256);
  assertParseError(`${BASE_FIELDS}&FirstName=${'a'.repeat(257)}`, 'bad_field');
  assertParseError(BASE_FIELDS.replace('ExternalID=P123', `ExternalID=${'7'.repeat(257)}`), 'bad_field');
});

test('a value with control characters is bad_field', () => {
  assertParseError(`${BASE_FIELDS}&LastName=Smith%0AInjected`, 'bad_field');
});

test('a field repeated with different values is bad_field, repeated with the same value is fine', () => {
  assertParseError(`${BASE_FIELDS}&SessionID=778`, 'bad_field');
  assert.equal(parse(`${BASE_FIELDS}&sessionid=777`).sessionId, '777');
});

// --- names -------------------------------------------------------------------

test('field names are matched case-insensitively', () => {
  const token = parse(`SESSIONID=777&usertype=provider&externalID=P123&TIMESTAMP=${TIMESTAMP}&firstname=Lee&LINKVALIDITYPERIOD=5`);
  assert.equal(token.sessionId, '777');
  assert.equal(token.userType, 'Provider');
  assert.equal(token.externalId, 'P123');
  assert.equal(token.firstName, 'Lee');
  assert.equal(token.linkValidityMinutes, 5);
});

test('unknown field names are ignored', () => {
  const token = parse(`${BASE_FIELDS}&Vendor_Extra=%%%&Department=Cardiology&=nameless`);
  assert.equal(token.externalId, 'P123');
});

test('UserID is an alias of ExternalID', () => {
  assert.equal(parse(BASE_FIELDS.replace('ExternalID=', 'UserID=')).externalId, 'P123');
});

test('ExternalID and UserID that disagree are bad_field', () => {
  assertParseError(`${BASE_FIELDS}&UserID=P999`, 'bad_field');
  assert.equal(parse(`${BASE_FIELDS}&UserID=P123`).externalId, 'P123');
});

test('launch is an alias of LaunchCode', () => {
  assert.equal(parse(`${BASE_FIELDS}&launch=abc.DEF-123`).launchCode, 'abc.DEF-123');
  assert.equal(parse(`${BASE_FIELDS}&LaunchCode=xyz`).launchCode, 'xyz');
});

test('the optional fields are read, and absent ones are null', () => {
  const token = parse(`${BASE_FIELDS}&ExternalIDType=EPI&Email=a%40b.org&OrgID=ORG1&RoomName=Room+4`);
  assert.equal(token.externalIdType, 'EPI');
  assert.equal(token.email, 'a@b.org');
  assert.equal(token.orgId, 'ORG1');
  assert.equal(token.roomName, 'Room 4');
  assert.equal(token.firstName, null);
  assert.equal(token.launchCode, null);
});

// --- validity window ------------------------------------------------------

test('a link expired by one second is expired, at the exact end it is still valid', () => {
  const fields = `${BASE_FIELDS}&LinkValidityPeriod=60`;
  const end = new Date(TIMESTAMP_DATE.getTime() + 60 * 60_000);
  assert.deepEqual(parse(fields, { now: end }).expiresAt, end);
  assertParseError(fields, 'expired', { now: new Date(end.getTime() + 1000) });
});

test('a Timestamp more than 5 minutes in the future is not_yet_valid, exactly 5 minutes is fine', () => {
  const nowAtFiveMinutesBefore = new Date(TIMESTAMP_DATE.getTime() - FUTURE_TOLERANCE_MS);
  assert.equal(parse(BASE_FIELDS, { now: nowAtFiveMinutesBefore }).externalId, 'P123');
  assertParseError(BASE_FIELDS, 'not_yet_valid', { now: new Date(nowAtFiveMinutesBefore.getTime() - 1000) });
});

test('a Timestamp that is not Unix seconds is bad_field', () => {
  for (const timestamp of ['-1', '1795000000.5', '2026-11-18T09:46:40Z', '1e9', '1795000000000000']) {
    assertParseError(BASE_FIELDS.replace(`Timestamp=${TIMESTAMP}`, `Timestamp=${encodeURIComponent(timestamp)}`), 'bad_field');
  }
});

test('LinkValidityPeriod 0 never expires', () => {
  const token = parse(`${BASE_FIELDS}&LinkValidityPeriod=0`, { now: new Date('2040-01-01T00:00:00Z') });
  assert.equal(token.linkValidityMinutes, 0);
  assert.equal(token.expiresAt, null);
});

test('LinkValidityPeriod 0 lets a link without Timestamp or AppointmentTime through', () => {
  const token = parse('SessionID=777&UserType=Patient&ExternalID=P123&LinkValidityPeriod=0');
  assert.equal(token.expiresAt, null);
  assert.equal(token.timestamp, null);
});

test('a link without Timestamp or AppointmentTime that should expire is missing_field', () => {
  assertParseError('SessionID=777&UserType=Patient&ExternalID=P123&LinkValidityPeriod=30', 'missing_field');
  assertParseError('SessionID=777&UserType=Patient&ExternalID=P123', 'missing_field');
});

test('LinkValidityPeriod 43200 is accepted and 43201 is bad_field', () => {
  const token = parse(`${BASE_FIELDS}&LinkValidityPeriod=43200`, { now: new Date(TIMESTAMP_DATE.getTime() + 43_200 * 60_000) });
  assert.equal(token.linkValidityMinutes, 43_200);
  assertParseError(`${BASE_FIELDS}&LinkValidityPeriod=43201`, 'bad_field');
});

test('a LinkValidityPeriod that is not whole minutes is bad_field', () => {
  for (const period of ['-1', '1.5', 'sixty', '60m', '0x10']) {
    assertParseError(`${BASE_FIELDS}&LinkValidityPeriod=${period}`, 'bad_field');
  }
});

test('the default validity is used when LinkValidityPeriod is absent', () => {
  const token = parse(BASE_FIELDS, { defaultLinkValidityMinutes: 15 });
  assert.equal(token.linkValidityMinutes, 15);
  assert.deepEqual(token.expiresAt, new Date(TIMESTAMP_DATE.getTime() + 15 * 60_000));
  assertParseError(BASE_FIELDS, 'expired', { defaultLinkValidityMinutes: 15, now: new Date(TIMESTAMP_DATE.getTime() + 16 * 60_000) });
});

test('an invalid default validity is a configuration error, not a bad link', () => {
  assert.throws(() => parse(BASE_FIELDS, { defaultLinkValidityMinutes: -5 }), RangeError);
});

// --- AppointmentTime --------------------------------------------------------

test('AppointmentTime in winter is read as Central Standard Time (UTC-6)', () => {
  const token = parse(`${BASE_FIELDS}&AppointmentTime=01/15/2027+09:30+AM`, { now: TIMESTAMP_DATE });
  assert.deepEqual(token.appointmentTime, new Date('2027-01-15T15:30:00Z'));
});

test('AppointmentTime in summer is read as Central Daylight Time (UTC-5)', () => {
  const token = parse(`${BASE_FIELDS}&AppointmentTime=07/15/2027 09:30 PM`);
  assert.deepEqual(token.appointmentTime, new Date('2027-07-16T02:30:00Z'));
});

test('AppointmentTime on the DST change days resolves like Temporal "compatible"', () => {
  // 2027-03-14 02:30 does not exist in Chicago: read with the offset before the gap, 03:30 CDT.
  assert.deepEqual(parse(`${BASE_FIELDS}&AppointmentTime=03/14/2027 02:30 AM`).appointmentTime, new Date('2027-03-14T08:30:00Z'));
  assert.deepEqual(parse(`${BASE_FIELDS}&AppointmentTime=03/14/2027 03:30 AM`).appointmentTime, new Date('2027-03-14T08:30:00Z'));
  // 2027-11-07 01:30 happens twice: the first (CDT) is meant.
  assert.deepEqual(parse(`${BASE_FIELDS}&AppointmentTime=11/07/2027 01:30 AM`).appointmentTime, new Date('2027-11-07T06:30:00Z'));
  assert.deepEqual(parse(`${BASE_FIELDS}&AppointmentTime=11/07/2027 02:30 AM`).appointmentTime, new Date('2027-11-07T08:30:00Z'));
});

test('AppointmentTime reads 12 AM as midnight and 12 PM as noon', () => {
  assert.deepEqual(parse(`${BASE_FIELDS}&AppointmentTime=01/15/2027 12:05 AM`).appointmentTime, new Date('2027-01-15T06:05:00Z'));
  assert.deepEqual(parse(`${BASE_FIELDS}&AppointmentTime=01/15/2027 12:05 PM`).appointmentTime, new Date('2027-01-15T18:05:00Z'));
});

test('AppointmentTime is read in the configured Epic time zone', () => {
  const token = parse(`${BASE_FIELDS}&AppointmentTime=01/15/2027 09:30 AM`, { epicTimeZone: 'Asia/Kolkata' });
  assert.deepEqual(token.appointmentTime, new Date('2027-01-15T04:00:00Z'));
});

test('an AppointmentTime in the wrong format is bad_field', () => {
  for (const time of ['2027-01-15 09:30', '01/15/2027 09:30', '13/15/2027 09:30 AM', '02/30/2027 09:30 AM', '01/15/2027 13:30 PM', '01/15/2027 00:30 AM', '01/15/2027 09:60 AM', '01/15/27 09:30 AM']) {
    assertParseError(`${BASE_FIELDS}&AppointmentTime=${encodeURIComponent(time)}`, 'bad_field');
  }
});

test('a link opened well before its appointment is valid, the window runs from the appointment', () => {
  const token = parse(`${BASE_FIELDS}&AppointmentTime=11/20/2026 02:00 PM&LinkValidityPeriod=30`, { now: TIMESTAMP_DATE });
  assert.deepEqual(token.appointmentTime, new Date('2026-11-20T20:00:00Z'));
  assert.deepEqual(token.expiresAt, new Date('2026-11-20T20:30:00Z'));
});

test('a link is expired 30 minutes and one second after its appointment even with a later Timestamp', () => {
  // 02:00 CST is 08:00Z; the Timestamp (08:20Z) alone would keep the link valid until 08:50Z.
  const timestamp = Date.parse('2026-11-18T08:20:00Z') / 1000;
  const fields = `SessionID=777&UserType=Patient&ExternalID=P123&Timestamp=${timestamp}&AppointmentTime=11/18/2026 02:00 AM&LinkValidityPeriod=30`;
  assert.deepEqual(parse(fields, { now: new Date('2026-11-18T08:30:00Z') }).expiresAt, new Date('2026-11-18T08:30:00Z'));
  assertParseError(fields, 'expired', { now: new Date('2026-11-18T08:30:01Z') });
});

test('a link with only an AppointmentTime is checked against it', () => {
  const fields = 'SessionID=777&UserType=Patient&ExternalID=P123&AppointmentTime=11/18/2026 03:00 AM';
  assert.deepEqual(parse(fields, { now: new Date('2026-11-18T09:30:00Z') }).expiresAt, new Date('2026-11-18T10:00:00Z'));
  assertParseError(fields, 'expired', { now: new Date('2026-11-18T10:00:01Z') });
});

// --- IDs on errors ----------------------------------------------------------

test('an expired link error names the session and the user for the launch log', () => {
  const now = new Date(TIMESTAMP_DATE.getTime() + 61 * 60_000);
  assertParseError(BASE_FIELDS, 'expired', { now }, { sessionId: '777', userId: 'P123' });
});

test('field errors after the IDs were read carry them', () => {
  assertParseError(BASE_FIELDS.replace('Patient', 'Nurse'), 'bad_field', {}, { sessionId: '777', userId: 'P123' });
  assertParseError(BASE_FIELDS, 'not_yet_valid', { now: new Date(0) }, { sessionId: '777', userId: 'P123' });
  assertParseError(`${BASE_FIELDS}&LinkValidityPeriod=99999`, 'bad_field', {}, { sessionId: '777', userId: 'P123' });
  assertParseError('SessionID=777&ExternalID=P123', 'missing_field', {}, { sessionId: '777', userId: 'P123' });
});

test('a missing SessionID error still names the user, a bad ExternalID error still names the session', () => {
  assertParseError(`UserType=Patient&ExternalID=P123&Timestamp=${TIMESTAMP}`, 'missing_field', {}, { userId: 'P123' });
  assertParseError(BASE_FIELDS.replace('ExternalID=P123', 'ExternalID=P-123'), 'bad_field', {}, { sessionId: '777' });
});

test('a group link without a SessionID names its ConferenceID on errors', () => {
  assertParseError('ConferenceID=GROUP9&UserType=Patient&ExternalID=P123', 'missing_field', {}, { sessionId: 'GROUP9', userId: 'P123' });
});

test('errors read through readLaunchToken carry the IDs too', () => {
  const vector = vectorNamed('aes256-patient');
  const error = captureLaunchError(() => readLaunchToken(vector.data, { ...vectorReadOptions(vector), now: new Date('2026-11-19T12:00:00Z') }));
  assert.equal(error.kind, 'expired');
  assert.equal(error.sessionId, '10007057852');
  assert.equal(error.userId, '165790');
});

// ---------------------------------------------------------------------------

function vectorNamed(name: string): LaunchVector {
  const vector = vectors.find((candidate) => candidate.name === name);
  assert.ok(vector, `launch-vectors.json has no vector ${name}`);
  return vector;
}

function vectorReadOptions(vector: LaunchVector) {
  return {
    secret: vector.secret,
    algorithm: vector.algorithm,
    now: VECTOR_NOW,
    epicTimeZone: 'America/Chicago',
    defaultLinkValidityMinutes: 60,
  };
}

function parse(plaintext: string, overrides: Partial<typeof PARSE_OPTIONS> = {}) {
  return parseLaunchToken(plaintext, { ...PARSE_OPTIONS, ...overrides });
}

function nodeEncrypt(cipherName: 'aes-256-cbc' | 'aes-128-cbc', key: Buffer, plaintext: string): string {
  const cipher = createCipheriv(cipherName, key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

// Fixed "random" keys keep the wrong-key tests deterministic: a random wrong key
// leaves valid padding and UTF-8 once in a great many runs.
function randomBytesFromSeed(seed: string): Buffer {
  return createHash('sha256').update(seed).digest();
}

function captureLaunchError(run: () => unknown): LaunchTokenError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof LaunchTokenError, `expected a LaunchTokenError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a LaunchTokenError, nothing was thrown');
}

function assertLaunchError(
  run: () => unknown,
  kind: LaunchFailureKind,
  ids?: { sessionId?: string; userId?: string },
): LaunchTokenError {
  const error = captureLaunchError(run);
  assert.equal(error.kind, kind, `expected ${kind}, got ${error.kind}: ${error.message}`);
  if (ids) {
    assert.equal(error.sessionId, ids.sessionId);
    assert.equal(error.userId, ids.userId);
  }
  return error;
}

function assertParseError(
  plaintext: string,
  kind: LaunchFailureKind,
  overrides: Partial<typeof PARSE_OPTIONS> = {},
  ids?: { sessionId?: string; userId?: string },
): LaunchTokenError {
  return assertLaunchError(() => parse(plaintext, overrides), kind, ids);
}
