import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { tmpdir } from 'node:os';
import Janode, { type JanodeConnection, type JanodeSession } from 'janode';
import VideoRoom from 'janode/plugins/videoroom';
import { startJanus, type MediaServer } from '../e2e/support/janus.ts';
import { mediaServerStatus, startMediaServerMonitor } from '../lib/media-server/janus.ts';
import { closeVisitRoom, kickFromVisitRoom, MediaServerUnavailable, openVisitRoom, visitFeed, visitRoom, visitRoomFeeds } from '../lib/media-server/visit-rooms.ts';

// Each visit's room in a real Janus (Debian's, on private ports): made once however often it is
// asked for, joined only with its PIN, a person kicked by the feed derived for them, destroyed at
// the end. The browsers' media through it are the e2e's.
const masterKey = randomBytes(32);
let janus: MediaServer;
let connection: JanodeConnection;
let session: JanodeSession;

before(async () => {
  janus = await startJanus({ port: 3297, rtpPorts: [40100, 40199], apiSecret: randomBytes(16).toString('hex'), logFile: path.join(tmpdir(), 'televisit-visit-rooms-janus.log') });
  Janode.Logger.setLevel('none');
  connection = await Janode.connect({ address: { url: janus.url, apisecret: janus.apiSecret }, max_retries: 0 });
  session = await connection.create();
});
after(async () => {
  await connection?.close().catch(() => undefined);
  await janus?.stop();
});

const exists = async (room: number) => {
  const handle = await session.attach(VideoRoom);
  try {
    return (await handle.exists({ room })).exists;
  } finally {
    await handle.detach();
  }
};

test("a visit's room, secret, PIN and feeds are derived from the master key: the same on every server, different per visit and per key", () => {
  const meetingId = randomUUID();
  const room = visitRoom(meetingId, masterKey);
  assert.deepEqual(visitRoom(meetingId, masterKey), room);
  assert.ok(Number.isSafeInteger(room.room) && room.room > 0);
  assert.notEqual(visitRoom(randomUUID(), masterKey).room, room.room);
  assert.notEqual(visitRoom(meetingId, randomBytes(32)).room, room.room);
  assert.notEqual(room.secret, room.pin);
  assert.ok(room.secret.length >= 40 && room.pin.length >= 40);
  const participantId = randomUUID();
  assert.equal(visitFeed(meetingId, participantId, masterKey), visitFeed(meetingId, participantId, masterKey));
  assert.notEqual(visitFeed(meetingId, participantId, masterKey), visitFeed(randomUUID(), participantId, masterKey));
});

test('the room is made once however often it is opened, is joined only with its PIN, kicks a removed person, and is gone after the end', async () => {
  const meetingId = randomUUID();
  const { room, pin } = visitRoom(meetingId, masterKey);
  // Two at once (two people admitted together): one makes it, the other finds it, or is told it exists.
  await Promise.all([openVisitRoom(meetingId, { largestVisit: 6, session, masterKey }), openVisitRoom(meetingId, { largestVisit: 6, session, masterKey })]);
  assert.equal(await exists(room), true);

  const patientId = randomUUID();
  const feed = visitFeed(meetingId, patientId, masterKey);
  const stranger = await session.attach(VideoRoom);
  await assert.rejects(stranger.joinPublisher({ room, feed: 12345, display: 'stranger', pin: 'guess' }), (error: { _code?: number }) => error._code === 433);
  await stranger.detach();

  const patient = await session.attach(VideoRoom);
  await patient.joinPublisher({ room, feed, display: 'patient', pin });
  assert.deepEqual(await visitRoomFeeds(meetingId, { session, masterKey }), [feed]);
  // Opened again (a second person admitted, another server): the same room, the patient still in it.
  await openVisitRoom(meetingId, { largestVisit: 6, session, masterKey });
  assert.deepEqual(await visitRoomFeeds(meetingId, { session, masterKey }), [feed]);
  // Managing the room takes its secret: one derived with another key is refused.
  const wrong = visitRoom(meetingId, randomBytes(32)).secret;
  const manager = await session.attach(VideoRoom);
  for (const [name, request] of [['kick', () => manager.kick({ room, feed, secret: wrong })], ['destroy', () => manager.destroy({ room, secret: wrong })]] as const) {
    await assert.rejects(request(), (error: { _code?: number }) => error._code === 433, name);
  }
  await manager.detach();
  // The person's own handle is told they were made to leave.
  const left = once(patient, VideoRoom.EVENT.VIDEOROOM_LEAVING);
  await kickFromVisitRoom(meetingId, patientId, { session, masterKey });
  assert.equal((await left)[0].reason, 'kicked');
  assert.deepEqual(await visitRoomFeeds(meetingId, { session, masterKey }), []);
  // Kicking someone not there is no error.
  await kickFromVisitRoom(meetingId, randomUUID(), { session, masterKey });

  await closeVisitRoom(meetingId, { session, masterKey });
  assert.equal(await exists(room), false);
  assert.equal(await visitRoomFeeds(meetingId, { session, masterKey }), null);
  // Ending twice, or kicking from a room that is gone, is no error.
  await closeVisitRoom(meetingId, { session, masterKey });
  await kickFromVisitRoom(meetingId, patientId, { session, masterKey });
  await patient.detach().catch(() => undefined);
});

test('a room that is gone (Janus restarted, and keeps no rooms) is made again on the next open', async () => {
  const meetingId = randomUUID();
  const { room } = visitRoom(meetingId, masterKey);
  await openVisitRoom(meetingId, { largestVisit: 4, session, masterKey });
  const other = await session.attach(VideoRoom);
  await other.destroy({ room, secret: visitRoom(meetingId, masterKey).secret });
  await other.detach();
  assert.equal(await exists(room), false);
  await openVisitRoom(meetingId, { largestVisit: 4, session, masterKey });
  assert.equal(await exists(room), true);
  await closeVisitRoom(meetingId, { session, masterKey });
});

test("the rooms use the monitor's session while Janus is up, and say MediaServerUnavailable at once without it", async () => {
  const meetingId = randomUUID();
  await assert.rejects(openVisitRoom(meetingId, { largestVisit: 6, masterKey }), MediaServerUnavailable);
  const monitor = startMediaServerMonitor({ url: janus.url, apiSecret: janus.apiSecret });
  try {
    await until(() => mediaServerStatus().state !== 'connecting');
    assert.equal(mediaServerStatus().state, 'up');
    const { room } = await openVisitRoom(meetingId, { largestVisit: 6, masterKey });
    assert.equal(await exists(room), true);
    await closeVisitRoom(meetingId, { masterKey });
    assert.equal(await exists(room), false);
  } finally {
    await monitor.stop();
  }
  await assert.rejects(closeVisitRoom(meetingId, { masterKey }), MediaServerUnavailable);
});

/** Resolves once `done` holds, checking every 20 ms; fails after 10 s. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('the state did not come');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
