import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Meeting, Participant } from '../lib/db/schema.ts';
import type { MeetingSnapshot } from '../lib/visit/meeting-view.ts';
import type { MeetingPolicies } from '../lib/visit/policies.ts';

// Who may ask the media server for video, decided before Janus is asked anything. The media itself
// (publish, subscribe, Remove, End through a real Janus) is e2e/group-visit.spec.ts.
process.env.NEXTAUTH_SECRET ??= randomBytes(32).toString('base64');
process.env.TELEVISIT_MASTER_KEY ??= randomBytes(32).toString('base64');
const { answerMediaServerRequest } = await import('../lib/media-server/visit-media.ts');
const { viewOf } = await import('../lib/visit/meeting-view.ts');

function visit(largestVisit: number) {
  const meeting = { id: randomUUID(), state: 'active' } as Meeting;
  const person = (overrides: Partial<Participant>) => ({ id: randomUUID(), meetingId: meeting.id, userType: 'Patient', admission: 'waiting', connectionId: randomUUID(), ...overrides }) as Participant;
  const provider = person({ userType: 'Provider' });
  const admitted = person({ admission: 'admitted' });
  const waiting = person({});
  const policies: MeetingPolicies = { screenShare: 'providers', chatEnabled: false, largestVisit };
  const snapshot: MeetingSnapshot = { meeting, people: [provider, admitted, waiting], policies, chat: [] };
  return { snapshot, provider, admitted, waiting };
}

const call = 'call-0123456789';
const offer = { action: 'publish', call, description: { type: 'offer', sdp: 'v=0\r\n' } } as const;

test('a visit above four people goes through the media server; four or fewer between the browsers', () => {
  assert.equal(viewOf(visit(4).snapshot, visit(4).provider.id).video, 'peer-to-peer');
  const large = visit(5);
  assert.equal(viewOf(large.snapshot, large.admitted.id).video, 'media-server');
});

test('someone waiting, removed or unknown gets no media from the media server', async () => {
  const { snapshot, waiting } = visit(6);
  for (const request of [offer, { action: 'subscribe', call } as const]) {
    await assert.rejects(answerMediaServerRequest(snapshot, waiting.id, request), { status: 403, code: 'not_in_call' });
    await assert.rejects(answerMediaServerRequest(snapshot, randomUUID(), request), { status: 403, code: 'not_in_call' });
    await assert.rejects(answerMediaServerRequest(null, waiting.id, request), { status: 403, code: 'not_in_call' });
  }
  // Leaving is always fine.
  assert.equal(await answerMediaServerRequest(snapshot, waiting.id, { action: 'leave', call }), null);
});

test("a visit of four or fewer is refused (its video goes between the browsers), and without Janus the answer is 503", async () => {
  const small = visit(4);
  await assert.rejects(answerMediaServerRequest(small.snapshot, small.admitted.id, offer), { status: 409, code: 'peer_to_peer' });
  const large = visit(6);
  await assert.rejects(answerMediaServerRequest(large.snapshot, large.admitted.id, offer), { status: 503, code: 'media_server_unavailable' });
  await assert.rejects(answerMediaServerRequest(large.snapshot, large.provider.id, { action: 'subscribe', call }), { status: 503, code: 'media_server_unavailable' });
});

test("a page's call is told apart from its earlier one: a late leave of the earlier call does not end the new one", async () => {
  const { trickle, leaveMedia, hasMedia } = await import('../lib/media-server/visit-media.ts');
  const meetingId = randomUUID();
  const participantId = randomUUID();
  // A step of a call (no handle yet: nothing is sent to Janus) makes its place on this server.
  await trickle(meetingId, participantId, 'first-call-id', 'publisher', null);
  assert.equal(hasMedia(participantId), true);
  // The page restarted its call: the earlier one's handles go, and its late leave changes nothing.
  await trickle(meetingId, participantId, 'second-call-id', 'publisher', null);
  await leaveMedia(participantId, 'first-call-id');
  assert.equal(hasMedia(participantId), true);
  await leaveMedia(participantId, 'second-call-id');
  assert.equal(hasMedia(participantId), false);
  // A step for another visit, by the same person's ID, is refused.
  await trickle(meetingId, participantId, 'third-call-id', 'publisher', null);
  await assert.rejects(trickle(randomUUID(), participantId, 'third-call-id', 'publisher', null), { status: 403 });
  await leaveMedia(participantId);
});

test('a page asks for one of two simulcast layers per person it receives, for at most eleven people', async () => {
  const { mediaServerRequestSchema } = await import('../lib/visit/schema.ts');
  const layers = (entries: Array<{ participantId: string; layer: number }>) => mediaServerRequestSchema.safeParse({ action: 'layers', call, layers: entries });
  assert.equal(layers([{ participantId: randomUUID(), layer: 0 }, { participantId: randomUUID(), layer: 1 }]).success, true);
  assert.equal(layers([{ participantId: randomUUID(), layer: 2 }]).success, false, 'there is no third layer');
  assert.equal(layers([]).success, false);
  assert.equal(layers(Array.from({ length: 12 }, () => ({ participantId: randomUUID(), layer: 0 }))).success, false);
  assert.equal(layers([{ participantId: 'not-an-id', layer: 0 }]).success, false);
  // Someone waiting chooses nothing: refused before Janus is asked.
  const { snapshot, waiting } = visit(6);
  await assert.rejects(answerMediaServerRequest(snapshot, waiting.id, { action: 'layers', call, layers: [{ participantId: randomUUID(), layer: 0 }] }), { status: 403 });
});
