import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';

process.env.NEXTAUTH_SECRET ??= randomBytes(32).toString('base64');
process.env.TELEVISIT_MASTER_KEY ??= randomBytes(32).toString('base64');
const { sign, verify } = await import('../lib/signed-token.ts');
const { signParticipantSession, verifyParticipantSession } = await import('../lib/visit/participant-session.ts');
const { signDeviceTestSession, verifyDeviceTestSession } = await import('../lib/device-test/session.ts');

const NOW = Date.parse('2026-11-18T12:00:00Z');
const HOUR = 3600_000;
const MEETING = '0b7c6c1e-5d2f-4d3c-9a4e-2f1f6d7e8a90';

describe('sign and verify', () => {
  test('a token verifies to its payload and expiry, for its purpose, until it expires', () => {
    const token = sign('test-purpose', { a: 1, b: 'two' }, HOUR, NOW);
    assert.deepEqual(verify('test-purpose', token, NOW), { a: 1, b: 'two', e: NOW + HOUR });
    assert.deepEqual(verify('test-purpose', token, NOW + HOUR)?.a, 1);
    assert.equal(verify('test-purpose', token, NOW + HOUR + 1), null);
  });

  test('a token of one purpose never verifies as another', () => {
    const token = sign('participant-session', { p: 'x', m: MEETING }, HOUR, NOW);
    assert.equal(verify('device-test', token, NOW), null);
  });

  test('a changed body, signature or shape is refused', () => {
    const token = sign('test-purpose', { a: 1 }, HOUR, NOW);
    const [body, mac] = token.split('.');
    const otherBody = Buffer.from(JSON.stringify({ a: 2, e: NOW + HOUR })).toString('base64url');
    assert.equal(verify('test-purpose', `${otherBody}.${mac}`, NOW), null);
    const lastChanged = mac!.slice(0, -1) + (mac!.endsWith('A') ? 'B' : 'A');
    assert.equal(verify('test-purpose', `${body}.${lastChanged}`, NOW), null);
    assert.equal(verify('test-purpose', `${body}.${mac}.extra`, NOW), null);
    assert.equal(verify('test-purpose', body, NOW), null);
    assert.equal(verify('test-purpose', '', NOW), null);
    assert.equal(verify('test-purpose', undefined, NOW), null);
    assert.equal(verify('test-purpose', `${'a'.repeat(5000)}.${mac}`, NOW), null);
  });

  test('a bad purpose, a reserved field or a bad lifetime is a programming error', () => {
    assert.throws(() => sign('has:colon', {}, HOUR));
    assert.throws(() => sign('ok', { e: 1 }, HOUR));
    assert.throws(() => sign('ok', {}, 0));
  });
});

describe('participant and device-test sessions', () => {
  test('a participant session is bound to its meeting', () => {
    const token = signParticipantSession('participant-1', MEETING, NOW);
    assert.deepEqual(verifyParticipantSession(token, MEETING, NOW), { participantId: 'participant-1', meetingId: MEETING, expiresAt: NOW + 12 * HOUR });
    assert.equal(verifyParticipantSession(token, '11111111-2222-4333-8444-555555555555', NOW), null);
  });

  test('participant cookies signed before lib/signed-token.ts still verify', () => {
    const body = Buffer.from(JSON.stringify({ p: 'participant-1', m: MEETING, e: NOW + HOUR })).toString('base64url');
    const mac = createHmac('sha256', process.env.NEXTAUTH_SECRET!).update(`participant-session:${body}`).digest('base64url');
    assert.equal(verifyParticipantSession(`${body}.${mac}`, MEETING, NOW)?.participantId, 'participant-1');
  });

  test('a device-test session lasts two hours and is not a participant session', () => {
    const session = { integrationId: MEETING, sessionId: '12345', epicUserId: 'PAT1', userType: 'Patient' as const };
    const token = signDeviceTestSession(session, NOW);
    assert.deepEqual(verifyDeviceTestSession(token, NOW), session);
    assert.equal(verifyDeviceTestSession(token, NOW + 2 * HOUR + 1), null);
    assert.equal(verifyParticipantSession(token, MEETING, NOW), null);
    assert.equal(verifyDeviceTestSession(signParticipantSession('p', MEETING, NOW), NOW), null);
  });
});
