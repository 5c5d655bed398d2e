import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { accessOf, type Access } from '../lib/access.ts';
import type { Database, DatabaseHandle } from '../lib/db/client.ts';
import { admins, chatMessages, notifications, participantEvents, participants, rooms } from '../lib/db/schema.ts';
import { callRoom, pendingCall } from '../lib/rooms/call.ts';
import { issuePairingCode, markRoomOffline, markRoomOnline, pairDevice, roomOfDevice, unpairRoom } from '../lib/rooms/store.ts';
import { postChatMessage } from '../lib/visit/chat.ts';
import { actOnParticipant, connectParticipant, endMeeting, endRoomCalls, setMediaState } from '../lib/visit/meeting-state.ts';
import { refreshPresence } from '../lib/visit/server-presence.ts';
import { seedIntegrationRow } from './fixtures/integration.ts';
import { pgliteBackend, postgresBackend, type Backend } from './support/backends.ts';

// Rooms (monitor calls), chat and screen-share policies, on both databases: the server's side of
// what e2e/rooms.spec.ts and e2e/policies.spec.ts try from browsers.

for (const makeBackend of [pgliteBackend, postgresBackend]) {
  describe(makeBackend === pgliteBackend ? 'PGlite' : 'PostgreSQL', () => {
    let backend: Backend;
    let handle: DatabaseHandle;
    let db: Database;
    let owner: Access;

    before(async () => {
      backend = await makeBackend();
      handle = await backend.open();
      db = handle.db;
      // This process is a live app server, as the room presence rule asks.
      await refreshPresence(db);
      const [ownerRow] = await db.insert(admins).values({ email: 'owner@clinic.example', passwordHash: 'unused', role: 'owner' }).returning();
      owner = await accessOf(db, ownerRow!);
    });
    after(async () => {
      await handle?.close();
      await backend?.dispose();
    });

    async function integration(values: Parameters<typeof seedIntegrationRow>[2] = {}) {
      return (await seedIntegrationRow(db, randomBytes(32), values)).row;
    }

    /** A launch through the launch function itself; returns the meeting and participant. */
    async function join(integrationId: string, visitKey: string, userType: 'Patient' | 'Provider', externalId: string, admittance: 'automatic' | 'manual' = 'automatic') {
      const [row] = await handle.query<{ joined_participant_id: string; joined_meeting_id: string }>(
        'select * from televisit_join_visit($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::uuid, $13, $14::timestamptz, $15, $16)',
        [integrationId, visitKey, visitKey, null, admittance, 'host@clinic.example', userType, externalId, null, 'Ana', null, null, 'key', null, false, 4],
      );
      return { meetingId: row!.joined_meeting_id, participantId: row!.joined_participant_id };
    }

    test('a pairing code works once and only before it expires; unpairing revokes the device credential', async () => {
      const { id: integrationId } = await integration();
      const [room] = await db.insert(rooms).values({ integrationId, name: 'Bed 1' }).returning();
      const first = await issuePairingCode(db, owner, room!.id);
      const paired = await pairDevice(db, first!.code.replace('-', ''));
      assert.equal(paired?.room.id, room!.id);
      assert.equal(await pairDevice(db, first!.code.replace('-', '')), null, 'a code works once');
      assert.equal((await roomOfDevice(db, paired!.token))?.id, room!.id);
      assert.equal(await roomOfDevice(db, 'not-a-credential'), null);

      const second = await issuePairingCode(db, owner, room!.id);
      await db.update(rooms).set({ pairingCodeExpiresAt: new Date(Date.now() - 1000) }).where(eq(rooms.id, room!.id));
      assert.equal(await pairDevice(db, second!.code.replace('-', '')), null, 'an expired code is refused');

      await unpairRoom(db, owner, room!.id);
      assert.equal(await roomOfDevice(db, paired!.token), null, 'an unpaired credential opens nothing');
    });

    test('a provider launch calls a room that is online; an unknown or offline one is said so', async () => {
      const { id: integrationId } = await integration();
      const [room] = await db.insert(rooms).values({ integrationId, name: 'ICU 3', deviceTokenHash: randomUUID() }).returning();
      const provider = await join(integrationId, `room-${randomUUID()}`, 'Provider', 'E1');

      assert.equal(await callRoom(db, { integrationId, meetingId: provider.meetingId, roomName: 'ICU 99' }), 'room_unknown');
      assert.equal(await callRoom(db, { integrationId, meetingId: provider.meetingId, roomName: 'ICU 3' }), 'room_offline');
      // A room of another integration with that name is not this one's.
      const other = await integration();
      await db.insert(rooms).values({ integrationId: other.id, name: 'ICU 4' });
      assert.equal(await callRoom(db, { integrationId, meetingId: provider.meetingId, roomName: 'ICU 4' }), 'room_unknown');

      const deviceConnection = randomUUID();
      await markRoomOnline(db, room!.id, deviceConnection);
      assert.equal(await callRoom(db, { integrationId, meetingId: provider.meetingId, roomName: ' ICU 3 ' }), 'called');
      assert.deepEqual(await pendingCall(db, room!), { meetingId: provider.meetingId, callerName: 'Ana' });

      // The room joins: a participant event like anyone's, and no notification for Epic.
      const [roomParticipant] = await db.select().from(participants).where(and(eq(participants.meetingId, provider.meetingId), eq(participants.userType, 'Room')));
      assert.equal(await connectParticipant(db, roomParticipant!.id, randomUUID()), 'connected');
      const events = await db.select().from(participantEvents).where(eq(participantEvents.participantId, roomParticipant!.id));
      assert.deepEqual(events.map((event) => `${event.userType}:${event.status}`), ['Room:Connected']);
      assert.equal((await db.select().from(notifications).where(and(eq(notifications.meetingId, provider.meetingId), eq(notifications.userType, 'Room')))).length, 0);
      assert.equal(await pendingCall(db, room!), null, 'a connected room has no call waiting');

      // Hanging up ends the room's place: its visit cookie cannot bring it back without a new call.
      await endRoomCalls(db, { participantId: roomParticipant!.id });
      assert.deepEqual(
        (await db.select().from(participantEvents).where(eq(participantEvents.participantId, roomParticipant!.id))).map((event) => event.status),
        ['Connected', 'Disconnected'],
      );
      assert.equal(await connectParticipant(db, roomParticipant!.id, randomUUID()), 'gone');
      await markRoomOffline(db, room!.id, deviceConnection);
      assert.equal(await callRoom(db, { integrationId, meetingId: provider.meetingId, roomName: 'ICU 3' }), 'room_offline');
    });

    test('a room joins as anyone does: not past the people a visit holds, nor into an ended visit; unpairing and a provider\'s Remove take it out', async () => {
      const { id: integrationId } = await integration();
      const [room] = await db.insert(rooms).values({ integrationId, name: 'Bed 7', deviceTokenHash: randomUUID() }).returning();
      await markRoomOnline(db, room!.id, randomUUID());
      const visitKey = `room-cap-${randomUUID()}`;
      const provider = await join(integrationId, visitKey, 'Provider', 'E7');
      await connectParticipant(db, provider.participantId, randomUUID());
      for (const patient of ['P71', 'P72', 'P73']) await connectParticipant(db, (await join(integrationId, visitKey, 'Patient', patient)).participantId, randomUUID());
      assert.equal(await callRoom(db, { integrationId, meetingId: provider.meetingId, roomName: 'Bed 7' }), 'visit_full');
      assert.equal(await pendingCall(db, room!), null);

      const second = await join(integrationId, `room-unpair-${randomUUID()}`, 'Provider', 'E8');
      await connectParticipant(db, second.participantId, randomUUID());
      assert.equal(await callRoom(db, { integrationId, meetingId: second.meetingId, roomName: 'Bed 7' }), 'called');
      const [place] = await db.select().from(participants).where(and(eq(participants.meetingId, second.meetingId), eq(participants.userType, 'Room')));
      assert.equal(await connectParticipant(db, place!.id, randomUUID()), 'connected');
      // The provider removes the room, then lets it back in: it is called again.
      assert.equal(await actOnParticipant(db, second.meetingId, second.participantId, place!.id, 'remove'), true);
      assert.equal(await connectParticipant(db, place!.id, randomUUID()), 'removed');
      assert.equal(await actOnParticipant(db, second.meetingId, second.participantId, place!.id, 'readmit'), true);
      assert.deepEqual(await pendingCall(db, room!), { meetingId: second.meetingId, callerName: 'Ana' });
      assert.equal(await connectParticipant(db, place!.id, randomUUID()), 'connected');
      // Unpaired: out of the call at once, and its cookie brings it back to nothing.
      await unpairRoom(db, owner, room!.id);
      const [after] = await db.select().from(participants).where(eq(participants.id, place!.id));
      assert.equal(after!.connectionId, null);
      assert.equal(await connectParticipant(db, place!.id, randomUUID()), 'gone');

      assert.equal(await endMeeting(db, second.meetingId, { by: 'provider', participantId: second.participantId }), true);
      assert.equal(await callRoom(db, { integrationId, meetingId: second.meetingId, roomName: 'Bed 7' }), 'visit_ended');
    });

    test('chat: refused when the integration has it off, for someone not in the call and from a connection that is not theirs now; deleted when the visit ends', async () => {
      const off = await integration({ chatEnabled: false });
      const offVisit = await join(off.id, `chat-${randomUUID()}`, 'Provider', 'E1');
      const offConnection = randomUUID();
      await connectParticipant(db, offVisit.participantId, offConnection);
      await assert.rejects(postChatMessage(db, offVisit.meetingId, offVisit.participantId, offConnection, 'hello'), { code: 'chat_off' });

      const on = await integration({ chatEnabled: true, admittancePolicy: 'manual' });
      const visitKey = `chat-${randomUUID()}`;
      const provider = await join(on.id, visitKey, 'Provider', 'E2', 'manual');
      const patient = await join(on.id, visitKey, 'Patient', 'P2', 'manual');
      const providerConnection = randomUUID();
      const patientConnection = randomUUID();
      await connectParticipant(db, provider.participantId, providerConnection);
      await connectParticipant(db, patient.participantId, patientConnection);
      // The patient waits to be admitted (manual): not in the call, no chat.
      await assert.rejects(postChatMessage(db, provider.meetingId, patient.participantId, patientConnection, 'let me in'), { code: 'not_in_call' });
      await assert.rejects(postChatMessage(db, provider.meetingId, provider.participantId, randomUUID(), 'from an old page'), { code: 'not_connected' });
      await postChatMessage(db, provider.meetingId, provider.participantId, providerConnection, 'Welcome');
      const written = await db.select().from(chatMessages).where(eq(chatMessages.meetingId, provider.meetingId));
      // Said while the patient waited: the provider is its only audience.
      assert.deepEqual(written.map((message) => message.audience), [[provider.participantId]]);

      assert.equal(await endMeeting(db, provider.meetingId, { by: 'provider', participantId: provider.participantId }), true);
      assert.equal((await db.select().from(chatMessages).where(eq(chatMessages.meetingId, provider.meetingId))).length, 0);
    });

    test('sharing a screen is refused unless the policy lets this person share', async () => {
      const providersOnly = await integration({ screenSharePolicy: 'providers' });
      const visitKey = `share-${randomUUID()}`;
      const provider = await join(providersOnly.id, visitKey, 'Provider', 'E3');
      const patient = await join(providersOnly.id, visitKey, 'Patient', 'P3');
      const providerConnection = randomUUID();
      const patientConnection = randomUUID();
      await connectParticipant(db, provider.participantId, providerConnection);
      await connectParticipant(db, patient.participantId, patientConnection);
      assert.equal(await setMediaState(db, patient.participantId, { connectionId: patientConnection, micOn: true, cameraOn: true, sharing: true }), 'share_not_allowed');
      assert.equal(await setMediaState(db, provider.participantId, { connectionId: providerConnection, micOn: true, cameraOn: true, sharing: true }), 'ok');
      assert.equal(await setMediaState(db, provider.participantId, { connectionId: randomUUID(), micOn: false, cameraOn: false }), 'not_connected');
      const [row] = await db.select({ sharing: participants.sharing }).from(participants).where(eq(participants.id, provider.participantId));
      assert.equal(row!.sharing, true);
      assert.equal(await setMediaState(db, randomUUID(), { connectionId: randomUUID(), micOn: true, cameraOn: true }), 'not_connected');
    });
  });
}
