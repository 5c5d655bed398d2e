import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Meeting, Participant } from '../lib/db/schema.ts';
import { viewOf, type MeetingSnapshot } from '../lib/visit/meeting-view.ts';
import { mayShareScreen, sendingVideoSections, type MeetingPolicies } from '../lib/visit/policies.ts';
import { signalRefusal } from '../lib/visit/signal-relay.ts';

function meeting(overrides: Partial<Meeting> = {}): Meeting {
  return {
    id: randomUUID(),
    integrationId: randomUUID(),
    visitKey: '1001',
    sessionId: '1001',
    conferenceId: null,
    state: 'active',
    admittancePolicy: 'manual',
    defaultHostEmail: 'host@clinic.example',
    hostProviderId: null,
    createdAt: new Date('2026-11-26T10:00:00Z'),
    startedAt: new Date('2026-11-26T10:01:00Z'),
    endedAt: null,
    ...overrides,
  } as Meeting;
}

function person(meetingId: string, overrides: Partial<Participant>): Participant {
  return {
    id: randomUUID(),
    meetingId,
    userType: 'Patient',
    epicUserId: `E${Math.floor(Math.random() * 1e6)}`,
    epicUserIdType: null,
    sessionId: '1001',
    conferenceId: null,
    firstName: null,
    lastName: null,
    providerId: null,
    admission: 'waiting',
    connectionId: randomUUID(),
    connectedAt: new Date('2026-11-26T10:02:00Z'),
    createdAt: new Date('2026-11-26T10:02:00Z'),
    ...overrides,
  } as Participant;
}

function visit(policies: MeetingPolicies = { screenShare: 'providers', chatEnabled: false, largestVisit: 4 }) {
  const m = meeting();
  const provider = person(m.id, { userType: 'Provider', firstName: 'Lee', lastName: 'Chen' });
  const admitted = person(m.id, { admission: 'admitted', firstName: 'Ana' });
  const waiting = person(m.id, { admission: 'waiting', firstName: 'Bo' });
  const snapshot: MeetingSnapshot = { meeting: m, people: [provider, admitted, waiting], policies, chat: [] };
  return { snapshot, provider, admitted, waiting };
}

describe('what each browser is shown', () => {
  test('the provider sees the admitted patient in the call and the waiting one in the waiting list', () => {
    const { snapshot, provider, admitted, waiting } = visit();
    const view = viewOf(snapshot, provider.id);
    assert.equal(view.stage, 'in-call');
    assert.deepEqual(view.peers.map((peer) => peer.participantId), [admitted.id]);
    assert.deepEqual(view.waiting.map((entry) => entry.participantId), [waiting.id]);
    assert.equal(viewOf(snapshot, waiting.id).stage, 'waiting-for-admission');
    assert.deepEqual(viewOf(snapshot, waiting.id).peers, []);
  });

  test('a participant whose row is gone while the visit goes on is told so, never given a null view', () => {
    const { snapshot } = visit();
    const view = viewOf(snapshot, randomUUID());
    assert.equal(view.stage, 'gone');
    assert.deepEqual(view.peers, []);
  });

  test('a meeting that is gone, or ended, reads as ended', () => {
    assert.equal(viewOf(null, randomUUID()).stage, 'ended');
    const { snapshot, admitted } = visit();
    snapshot.meeting.state = 'ended';
    assert.equal(viewOf(snapshot, admitted.id).stage, 'ended');
    assert.equal(viewOf({ ...snapshot, people: [] }, admitted.id).stage, 'ended');
  });
});

describe('who may send media signals to whom', () => {
  test('people in the call may signal each other', () => {
    const { snapshot, provider, admitted } = visit();
    assert.equal(signalRefusal(snapshot, provider.id, { from: provider.connectionId!, to: admitted.connectionId! }), null);
    assert.equal(signalRefusal(snapshot, admitted.id, { from: admitted.connectionId!, to: provider.connectionId! }), null);
  });

  test("a waiting patient's offer to the provider is refused", () => {
    const { snapshot, provider, waiting } = visit();
    assert.equal(signalRefusal(snapshot, waiting.id, { from: waiting.connectionId!, to: provider.connectionId! })?.status, 403);
  });

  test('nobody may signal a waiting patient, whose browser would answer with its camera', () => {
    const { snapshot, provider, waiting } = visit();
    assert.equal(signalRefusal(snapshot, provider.id, { from: provider.connectionId!, to: waiting.connectionId! })?.status, 403);
  });

  test('an admitted patient without a provider present is not in the call', () => {
    const { snapshot, admitted, provider } = visit();
    const other = person(snapshot.meeting.id, { admission: 'admitted' });
    const withoutProvider = { ...snapshot, people: [{ ...provider, connectionId: null }, admitted, other] };
    assert.equal(signalRefusal(withoutProvider, admitted.id, { from: admitted.connectionId!, to: other.connectionId! })?.status, 403);
  });

  test('a removed patient, a stale connection and an unknown recipient are refused', () => {
    const { snapshot, provider, admitted } = visit();
    const removed = { ...admitted, admission: 'removed' as const };
    const afterRemoval = { ...snapshot, people: [provider, removed] };
    assert.equal(signalRefusal(afterRemoval, removed.id, { from: removed.connectionId!, to: provider.connectionId! })?.status, 403);
    assert.equal(signalRefusal(snapshot, admitted.id, { from: randomUUID(), to: provider.connectionId! })?.code, 'stale_connection');
    assert.equal(signalRefusal(snapshot, admitted.id, { from: admitted.connectionId!, to: randomUUID() })?.status, 410);
    assert.equal(signalRefusal(snapshot, admitted.id, { from: admitted.connectionId!, to: admitted.connectionId! })?.status, 410);
  });

  test('nothing is relayed in a visit that ended', () => {
    const { snapshot, provider, admitted } = visit();
    snapshot.meeting.state = 'ended';
    assert.notEqual(signalRefusal(snapshot, provider.id, { from: provider.connectionId!, to: admitted.connectionId! }), null);
  });
});

/** An offer as Chromium writes it: audio, the camera, and the screen's section. */
function offer(screenDirection: string, cameraDirection = 'sendrecv'): Record<string, unknown> {
  const section = (kind: string, mid: number, direction: string) => `m=${kind} 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:${mid}\r\na=${direction}\r\na=rtpmap:96 VP8/90000\r\n`;
  const sdp = `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n${section('audio', 0, 'sendrecv')}${section('video', 1, cameraDirection)}${section('video', 2, screenDirection)}`;
  return { link: 'abc', description: { type: 'offer', sdp } };
}

describe('meeting policies', () => {
  test('who may share a screen under each policy; a room device never does', () => {
    assert.deepEqual(['Provider', 'Patient', 'Room'].map((type) => mayShareScreen('nobody', type as 'Provider')), [false, false, false]);
    assert.deepEqual(['Provider', 'Patient', 'Room'].map((type) => mayShareScreen('providers', type as 'Provider')), [true, false, false]);
    assert.deepEqual(['Provider', 'Patient', 'Room'].map((type) => mayShareScreen('everyone', type as 'Provider')), [true, true, false]);
  });

  test('video sections that send are counted from the direction, sendrecv when none is written', () => {
    assert.equal(sendingVideoSections(String((offer('recvonly').description as { sdp: string }).sdp)), 1);
    assert.equal(sendingVideoSections(String((offer('inactive').description as { sdp: string }).sdp)), 1);
    assert.equal(sendingVideoSections(String((offer('sendonly').description as { sdp: string }).sdp)), 2);
    assert.equal(sendingVideoSections(String((offer('sendrecv', 'recvonly').description as { sdp: string }).sdp)), 1);
    assert.equal(sendingVideoSections('v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n'), 2);
    assert.equal(sendingVideoSections('v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\nm=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n'), 1);
  });

  test('a second video hidden behind a harmless first direction line, port 0 with bundle-only, or the session default, still counts', () => {
    const camera = 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=sendrecv\r\n';
    const head = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
    // Chromium receives two video tracks from each of these.
    assert.equal(sendingVideoSections(`${head}${camera}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=inactive\r\na=sendrecv\r\n`), 2);
    assert.equal(sendingVideoSections(`${head}${camera}m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=bundle-only\r\na=mid:2\r\na=sendrecv\r\n`), 2);
    assert.equal(sendingVideoSections(`${head}a=sendonly\r\n${camera}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\n`), 2);
    // What the page itself writes while it does not share stays one.
    assert.equal(sendingVideoSections(`${head}a=sendonly\r\n${camera}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=recvonly\r\n`), 1);
    assert.equal(sendingVideoSections(`${head}${camera}m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=sendrecv\r\n`), 1);
  });

  test("a patient's offer that sends a second video is refused unless everyone may share", () => {
    const { snapshot, provider, admitted } = visit({ screenShare: 'providers', chatEnabled: false, largestVisit: 4 });
    const to = { from: admitted.connectionId!, to: provider.connectionId! };
    assert.equal(signalRefusal(snapshot, admitted.id, { ...to, payload: offer('sendonly') })?.code, 'share_not_allowed');
    assert.equal(signalRefusal(snapshot, admitted.id, { ...to, payload: offer('recvonly') }), null);
    assert.equal(signalRefusal(snapshot, provider.id, { from: provider.connectionId!, to: admitted.connectionId!, payload: offer('sendonly') }), null);
    const everyone = { ...snapshot, policies: { screenShare: 'everyone' as const, chatEnabled: false, largestVisit: 4 } };
    assert.equal(signalRefusal(everyone, admitted.id, { ...to, payload: offer('sendonly') }), null);
    const nobody = { ...snapshot, policies: { screenShare: 'nobody' as const, chatEnabled: false, largestVisit: 4 } };
    assert.equal(signalRefusal(nobody, provider.id, { from: provider.connectionId!, to: admitted.connectionId!, payload: offer('sendrecv') })?.code, 'share_not_allowed');
  });

  test('chat is allowed only to people in the call, and only when the integration turns it on', () => {
    const off = visit({ screenShare: 'providers', chatEnabled: false, largestVisit: 4 });
    assert.equal(viewOf(off.snapshot, off.provider.id).allowed.chat, false);
    const on = visit({ screenShare: 'providers', chatEnabled: true, largestVisit: 4 });
    assert.equal(viewOf(on.snapshot, on.provider.id).allowed.chat, true);
    assert.equal(viewOf(on.snapshot, on.admitted.id).allowed.chat, true);
    assert.equal(viewOf(on.snapshot, on.waiting.id).allowed.chat, false);
    assert.equal(viewOf(on.snapshot, on.admitted.id).allowed.shareScreen, false);
    assert.equal(viewOf(on.snapshot, on.provider.id).allowed.shareScreen, true);
  });
});
