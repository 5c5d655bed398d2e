import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';

// The stream hub on the embedded database, through the real bus (NOTIFY within PGlite): what each
// stream of a meeting is sent, which stream holds a participant's place, and the races between
// a page's streams. The hub is the same on PostgreSQL; only the bus's transport differs.
const dataDir = await mkdtemp(path.join(tmpdir(), 'televisit-hub-'));
process.env.DATA_DIR = dataDir;
process.env.NEXTAUTH_SECRET ??= randomBytes(32).toString('base64');
process.env.TELEVISIT_MASTER_KEY ??= randomBytes(32).toString('base64');
delete process.env.DATABASE_URL;

const { closeDatabase, databaseHandle } = await import('../lib/db.ts');
const { participantEvents, participants } = await import('../lib/db/schema.ts');
const { StreamHub } = await import('../lib/visit/stream-hub.ts');
const { readMeetingSnapshot } = await import('../lib/visit/meeting-view.ts');
const { actOnParticipant, connectParticipant, setMediaState } = await import('../lib/visit/meeting-state.ts');
const { seedIntegrationRow } = await import('./fixtures/integration.ts');
const { noticeMediaLost, MEDIA_SERVER_SENDER } = await import('../lib/visit/signal-relay.ts');
type StreamClient = import('../lib/visit/stream-hub.ts').StreamClient;
type StreamHubType = import('../lib/visit/stream-hub.ts').StreamHub;

interface RecordingClient extends StreamClient {
  events: Array<{ event: string; data: unknown }>;
  closed: boolean;
}

describe('the stream hub', () => {
  let handle: Awaited<ReturnType<typeof databaseHandle>>;
  let hub: StreamHubType;

  before(async () => {
    handle = await databaseHandle();
    hub = new StreamHub(handle.db);
  });
  after(async () => {
    await closeDatabase();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A visit with a connected provider; returns the meeting and a way to add people. */
  async function visit(admittancePolicy: 'automatic' | 'manual' = 'automatic') {
    const { row } = await seedIntegrationRow(handle.db, Buffer.from(process.env.TELEVISIT_MASTER_KEY!, 'base64'), { admittancePolicy });
    const visitKey = `hub-${randomUUID()}`;
    const join = async (userType: 'Patient' | 'Provider', externalId: string) => {
      const [joined] = await handle.query<{ joined_participant_id: string; joined_meeting_id: string }>(
        'select * from televisit_join_visit($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::uuid, $13, $14::timestamptz, $15, $16)',
        [row.id, visitKey, visitKey, null, admittancePolicy, 'host@clinic.example', userType, externalId, null, externalId, null, null, 'key', null, false, 4],
      );
      return { meetingId: joined!.joined_meeting_id, participantId: joined!.joined_participant_id };
    };
    return { join };
  }

  /** A stream as the events route makes one: it records what it is sent, and leaves the hub when closed. */
  function stream(meetingId: string, participantId: string, connectionId: string, listener = false): RecordingClient {
    const client: RecordingClient = {
      meetingId,
      participantId,
      connectionId,
      replaced: false,
      listener,
      lastState: null,
      lastChatId: 0,
      minEpoch: 0,
      iceSent: false,
      events: [],
      closed: false,
      send(event, data) {
        if (!client.closed) client.events.push({ event, data });
      },
      sendEncoded(event, json) {
        client.send(event, JSON.parse(json));
      },
      comment() {},
      backlog: () => 0,
      close() {
        if (client.closed) return;
        client.closed = true;
        hub.detach(client);
      },
    };
    return client;
  }

  async function connectedStream(meetingId: string, participantId: string) {
    const connectionId = randomUUID();
    hub.connecting(connectionId);
    assert.equal(await connectParticipant(handle.db, participantId, connectionId), 'connected');
    const client = stream(meetingId, participantId, connectionId);
    hub.attach(client);
    return client;
  }

  const states = (client: RecordingClient) => client.events.filter((entry) => entry.event === 'state').map((entry) => entry.data as { stage: string; peers: Array<{ micOn: boolean }> });

  test('every stream of a meeting hears each change, and a view that did not change is not sent again', async () => {
    const { join } = await visit();
    const provider = await join('Provider', 'E1');
    const patient = await join('Patient', 'P1');
    const providerStream = await connectedStream(provider.meetingId, provider.participantId);
    const patientStream = await connectedStream(patient.meetingId, patient.participantId);
    await eventually(() => states(providerStream).at(-1)?.peers.length === 1 && states(patientStream).at(-1)?.stage === 'in-call');
    const sent = providerStream.events.length;
    await setMediaState(handle.db, patient.participantId, { connectionId: patientStream.connectionId, micOn: false, cameraOn: true });
    await eventually(() => states(providerStream).at(-1)?.peers[0]?.micOn === false);
    assert.equal(providerStream.events.length, sent + 1, 'one new state for one change');
    // Nothing changed: a re-read sends nothing.
    const current = providerStream.events.length;
    await roomOf(hub, provider.meetingId).refresh();
    assert.equal(providerStream.events.length, current);
    providerStream.close();
    patientStream.close();
  });

  test('a page saying its microphone and camera are as they were costs nobody a read (each page says so as it enters the call)', async () => {
    const { join } = await visit();
    const provider = await join('Provider', 'E6');
    const patient = await join('Patient', 'P6');
    const patientConnection = randomUUID();
    const providerConnection = randomUUID();
    assert.equal(await connectParticipant(handle.db, provider.participantId, providerConnection), 'connected');
    assert.equal(await connectParticipant(handle.db, patient.participantId, patientConnection), 'connected');
    let reads = 0;
    const counting = new StreamHub(handle.db, (database, meetingId) => {
      reads++;
      return readMeetingSnapshot(database, meetingId);
    });
    const page = stream(provider.meetingId, provider.participantId, providerConnection);
    page.close = () => counting.detach(page);
    counting.attach(page);
    await eventually(() => states(page).at(-1)?.peers.length === 1);
    const before = reads;
    assert.equal(await setMediaState(handle.db, patient.participantId, { connectionId: patientConnection, micOn: true, cameraOn: true }), 'ok');
    assert.equal(await setMediaState(handle.db, patient.participantId, { connectionId: patientConnection, micOn: false, cameraOn: true }), 'ok');
    await eventually(() => states(page).at(-1)?.peers[0]?.micOn === false);
    assert.equal(reads, before + 1, 'one read, for the one change');
    page.close();
  });

  test("a page in the call whose media the server lost is told, on its stream, to start its call again; a removed person's page is not", async () => {
    const { join } = await visit();
    const provider = await join('Provider', 'E9');
    const patient = await join('Patient', 'P9');
    const providerStream = await connectedStream(provider.meetingId, provider.participantId);
    const patientStream = await connectedStream(patient.meetingId, patient.participantId);
    await eventually(() => states(patientStream).at(-1)?.stage === 'in-call');
    const notices = (client: RecordingClient) => client.events.filter((entry) => entry.event === 'signal' && (entry.data as { from: string }).from === MEDIA_SERVER_SENDER);
    await noticeMediaLost(hub, handle.db, patient.meetingId, patient.participantId);
    assert.deepEqual(
      notices(patientStream).map((entry) => entry.data),
      [{ from: MEDIA_SERVER_SENDER, fromParticipant: patient.participantId, payload: { link: MEDIA_SERVER_SENDER, restart: true } }],
    );
    assert.equal(notices(providerStream).length, 0, 'only the person whose media were lost');
    // Removed: out of the call, so not told to start a call again.
    assert.equal(await actOnParticipant(handle.db, patient.meetingId, provider.participantId, patient.participantId, 'remove'), true);
    await eventually(() => states(patientStream).at(-1)?.stage !== 'in-call');
    await noticeMediaLost(hub, handle.db, patient.meetingId, patient.participantId);
    assert.equal(notices(patientStream).length, 1);
    providerStream.close();
    patientStream.close();
  });

  test('a newer stream of the same person replaces the older one here: it is told, and closed', async () => {
    const { join } = await visit();
    const patient = await join('Patient', 'P2');
    const phone = await connectedStream(patient.meetingId, patient.participantId);
    const laptop = await connectedStream(patient.meetingId, patient.participantId);
    assert.equal(phone.replaced, true);
    assert.equal(phone.closed, true);
    assert.deepEqual(phone.events.at(-1), { event: 'replaced', data: { reason: 'another-device' } });
    assert.equal(hub.size >= 1, true);
    laptop.close();
  });

  test('a newer stream given up while it connected hands the place back: the open stream stays, and Epic hears nothing', async () => {
    const { join } = await visit();
    const provider = await join('Provider', 'E3');
    const page = await connectedStream(provider.meetingId, provider.participantId);
    await eventually(() => states(page).length > 0);
    // The same page opens another stream, whose browser is gone before it is attached.
    const abandoned = randomUUID();
    hub.connecting(abandoned);
    assert.equal(await connectParticipant(handle.db, provider.participantId, abandoned), 'connected');
    // The snapshot that names the abandoned connection does not judge the open stream.
    await roomOf(hub, provider.meetingId).refresh();
    assert.equal(page.closed, false);
    assert.equal(await hub.abandon(provider.participantId, abandoned), true);
    const [row] = await handle.db.select({ connectionId: participants.connectionId }).from(participants).where(eq(participants.id, provider.participantId));
    assert.equal(row!.connectionId, page.connectionId);
    await roomOf(hub, provider.meetingId).refresh();
    assert.equal(page.closed, false);
    assert.equal(page.replaced, false);
    const events = await handle.db.select({ status: participantEvents.status }).from(participantEvents).where(eq(participantEvents.participantId, provider.participantId));
    assert.deepEqual(events.map((event) => event.status), ['Connected']);
    page.close();
  });

  test("a removed person's listening streams are counted, and a newer one replaces the older", async () => {
    const { join } = await visit('manual');
    const provider = await join('Provider', 'E4');
    const patient = await join('Patient', 'P4');
    const providerStream = await connectedStream(provider.meetingId, provider.participantId);
    await connectParticipant(handle.db, patient.participantId, randomUUID());
    assert.equal(await actOnParticipant(handle.db, provider.meetingId, provider.participantId, patient.participantId, 'remove'), true);
    const before = hub.size;
    const first = stream(patient.meetingId, patient.participantId, randomUUID(), true);
    hub.attach(first);
    assert.equal(hub.size, before + 1);
    const second = stream(patient.meetingId, patient.participantId, randomUUID(), true);
    hub.attach(second);
    assert.equal(first.closed, true, 'the older listener is closed');
    assert.equal(hub.size, before + 1);
    await eventually(() => states(second).at(-1)?.stage === 'removed');
    second.close();
    providerStream.close();
  });

  test('a refresh asked for in the instant a read finishes is not lost (it was, on the embedded database)', async () => {
    const { join } = await visit();
    const provider = await join('Provider', 'E5');
    let reads = 0;
    const counting = new StreamHub(handle.db, (database, meetingId) => {
      reads++;
      return readMeetingSnapshot(database, meetingId);
    });
    const connectionId = randomUUID();
    assert.equal(await connectParticipant(handle.db, provider.participantId, connectionId), 'connected');
    const page = stream(provider.meetingId, provider.participantId, connectionId);
    // The refresh is asked for after the hub has published its read, before that read's promise
    // settles: a change announced at that moment.
    let asked = false;
    const send = page.send;
    page.send = (event, data) => {
      send(event, data);
      if (!asked) {
        asked = true;
        queueMicrotask(() => void roomOf(counting, provider.meetingId).refresh());
      }
    };
    page.close = () => counting.detach(page);
    counting.attach(page);
    await eventually(() => reads >= 2);
    page.close();
  });
});

function roomOf(hub: StreamHubType, meetingId: string): { refresh(): Promise<void> } {
  const room = (hub as unknown as { rooms: Map<string, { refresh(): Promise<void> }> }).rooms.get(meetingId);
  assert.ok(room, 'the hub follows this meeting');
  return room;
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
