import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Database, DatabaseHandle } from '../lib/db/client.ts';
import { auditLog, epicAccessTokens, launchLog, meetings, notifications, oauthLaunches, participantEvents, participants, serverSettings, signInAttempts } from '../lib/db/schema.ts';
import { purgeExpiredRecords, purgeIfDue, PURGE_EVERY_MS } from '../lib/retention/purge.ts';
import { connectParticipant, disconnectParticipant, endMeeting } from '../lib/visit/meeting-state.ts';
import { endAbandonedVisits } from '../lib/visit/visit-ending.ts';
import { seedIntegrationRow } from './fixtures/integration.ts';
import { pgliteBackend, postgresBackend, type Backend } from './support/backends.ts';

// The life of a visit and the data it leaves (docs/visit-lifecycle.md), on both databases, with a
// clock the test controls instead of waiting.

const MINUTE = 60_000;
const DAY = 24 * 3600_000;

for (const makeBackend of [pgliteBackend, postgresBackend]) {
  describe(makeBackend === pgliteBackend ? 'PGlite' : 'PostgreSQL', () => {
    let backend: Backend;
    let handle: DatabaseHandle;
    let db: Database;
    let integrationId: string;

    before(async () => {
      backend = await makeBackend();
      handle = await backend.open();
      db = handle.db;
      integrationId = (await seedIntegrationRow(db, randomBytes(32))).row.id;
    });
    after(async () => {
      await handle?.close();
      await backend?.dispose();
    });

    /** A launch, through the launch function itself. */
    async function join(visitKey: string, userType: 'Patient' | 'Provider', externalId: string, options: { startNew?: boolean; linksValidUntil?: Date | null } = {}) {
      const [row] = await handle.query<{ joined_participant_id: string | null; joined_meeting_id: string; outcome: string }>(
        'select * from televisit_join_visit($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::uuid, $13, $14::timestamptz, $15, $16)',
        [integrationId, visitKey, visitKey, null, 'automatic', 'host@clinic.example', userType, externalId, null, 'Ana', 'Diaz', null, 'key', options.linksValidUntil === undefined ? new Date(Date.now() + DAY).toISOString() : options.linksValidUntil?.toISOString() ?? null, options.startNew ?? false, 4],
      );
      return row!;
    }

    async function meeting(id: string) {
      const [row] = await db.select().from(meetings).where(eq(meetings.id, id));
      return row!;
    }

    async function statuses(meetingId: string) {
      const events = await db.select({ userType: participantEvents.userType, status: participantEvents.status }).from(participantEvents).where(eq(participantEvents.meetingId, meetingId)).orderBy(participantEvents.id);
      return events.map((event) => `${event.userType}:${event.status}`);
    }

    test('an abandoned visit ends by itself after the idle time: the patient record goes, Epic heard who left', async () => {
      const visit = `idle-${randomUUID()}`;
      const patient = await join(visit, 'Patient', 'P1');
      const provider = await join(visit, 'Provider', 'E1');
      const connections = [randomUUID(), randomUUID()];
      assert.equal(await connectParticipant(db, patient.joined_participant_id!, connections[0]!), 'connected');
      assert.equal(await connectParticipant(db, provider.joined_participant_id!, connections[1]!), 'connected');
      assert.equal((await meeting(patient.joined_meeting_id)).emptySince, null);
      await disconnectParticipant(db, patient.joined_participant_id!, connections[0]!);
      assert.equal((await meeting(patient.joined_meeting_id)).emptySince, null, 'the provider is still there');
      await disconnectParticipant(db, provider.joined_participant_id!, connections[1]!);
      const emptySince = (await meeting(patient.joined_meeting_id)).emptySince!;
      assert.ok(emptySince);

      assert.deepEqual(await endAbandonedVisits(db, new Date(emptySince.getTime() + 14 * MINUTE)), { idle: 0, linksExpired: 0 });
      assert.equal((await meeting(patient.joined_meeting_id)).state, 'active');
      const ended = await endAbandonedVisits(db, new Date(emptySince.getTime() + 16 * MINUTE));
      assert.ok(ended.idle >= 1);
      const after = await meeting(patient.joined_meeting_id);
      assert.equal(after.state, 'ended');
      assert.equal(after.endedBy, 'idle');
      assert.deepEqual(await db.select().from(participants).where(eq(participants.id, patient.joined_participant_id!)), []);
      assert.deepEqual(await statuses(patient.joined_meeting_id), ['Patient:Connected', 'Provider:Connected', 'Patient:Disconnected', 'Provider:Disconnected']);
    });

    test("a visit ends when its links' window is over, even with people in it, and Epic hears they left", async () => {
      const visit = `window-${randomUUID()}`;
      const windowEnd = new Date(Date.now() + 30 * MINUTE);
      const patient = await join(visit, 'Patient', 'P2', { linksValidUntil: windowEnd });
      const later = new Date(Date.now() + 60 * MINUTE);
      await join(visit, 'Provider', 'E2', { linksValidUntil: later });
      assert.equal((await meeting(patient.joined_meeting_id)).linksValidUntil?.getTime(), later.getTime(), 'the latest window counts');
      assert.equal(await connectParticipant(db, patient.joined_participant_id!, randomUUID()), 'connected');
      assert.deepEqual(await endAbandonedVisits(db, new Date(later.getTime() - 1000)), { idle: 0, linksExpired: 0 });
      assert.deepEqual(await endAbandonedVisits(db, new Date(later.getTime() + 1000)), { idle: 0, linksExpired: 1 });
      assert.equal((await meeting(patient.joined_meeting_id)).endedBy, 'links_expired');
      assert.deepEqual(await statuses(patient.joined_meeting_id), ['Patient:Connected', 'Patient:Disconnected']);
      const sent = await db.select({ status: notifications.status }).from(notifications).where(eq(notifications.meetingId, patient.joined_meeting_id)).orderBy(notifications.seq);
      assert.deepEqual(sent.map((row) => row.status), ['Connected', 'Disconnected']);
    });

    test('a link that never expires lifts the window: then only the idle time ends the visit', async () => {
      const visit = `forever-${randomUUID()}`;
      const patient = await join(visit, 'Patient', 'P3', { linksValidUntil: new Date(Date.now() + MINUTE) });
      await join(visit, 'Provider', 'E3', { linksValidUntil: null });
      assert.equal((await meeting(patient.joined_meeting_id)).linksValidUntil, null);
      assert.equal(await connectParticipant(db, patient.joined_participant_id!, randomUUID()), 'connected');
      assert.deepEqual(await endAbandonedVisits(db, new Date(Date.now() + 365 * DAY)), { idle: 0, linksExpired: 0 });
    });

    test('an ended visit stays ended: no record for a patient, and a provider may start its next meeting, which patients then join', async () => {
      const visit = `again-${randomUUID()}`;
      const first = await join(visit, 'Provider', 'E4');
      assert.equal(await endMeeting(db, first.joined_meeting_id, { by: 'admin' }), true);
      const patient = await join(visit, 'Patient', 'P4');
      assert.deepEqual({ outcome: patient.outcome, participant: patient.joined_participant_id }, { outcome: 'visit_ended', participant: null });
      const provider = await join(visit, 'Provider', 'E4');
      assert.equal(provider.outcome, 'visit_ended', 'reopening a link does not start it again');
      const restarted = await join(visit, 'Provider', 'E4', { startNew: true });
      assert.equal(restarted.outcome, 'ok');
      assert.notEqual(restarted.joined_meeting_id, first.joined_meeting_id);
      assert.equal((await meeting(restarted.joined_meeting_id)).generation, 2);
      const patientAgain = await join(visit, 'Patient', 'P4');
      assert.deepEqual({ outcome: patientAgain.outcome, meeting: patientAgain.joined_meeting_id }, { outcome: 'ok', meeting: restarted.joined_meeting_id });
      const logged = await db.select({ outcome: launchLog.outcome }).from(launchLog).where(eq(launchLog.meetingId, first.joined_meeting_id)).orderBy(launchLog.id);
      assert.deepEqual(logged.map((row) => row.outcome), ['ok', 'visit_ended', 'visit_ended']);
    });

    test('two servers ending one visit at once: exactly one does it', async () => {
      const visit = `race-${randomUUID()}`;
      const provider = await join(visit, 'Provider', 'E5');
      const results = await Promise.all([endMeeting(db, provider.joined_meeting_id, { by: 'admin' }), endMeeting(db, provider.joined_meeting_id, { by: 'admin' })]);
      assert.deepEqual(results.sort(), [false, true]);
    });

    test('the purge removes each kind of record after its period and keeps the younger ones', async () => {
      const now = new Date('2031-06-01T12:00:00Z');
      const daysAgo = (days: number) => new Date(now.getTime() - days * DAY);
      const tag = randomUUID().slice(0, 8);
      await db.insert(launchLog).values([{ outcome: 'ok', at: daysAgo(31), sessionId: `old-${tag}` }, { outcome: 'ok', at: daysAgo(29), sessionId: `new-${tag}` }]);
      await db.insert(notifications).values(
        [91, 89].map((days) => ({ integrationId, kind: 'connection_status' as const, status: 'Connected', orderingKey: `purge-${tag}`, body: {}, state: 'delivered' as const, createdAt: daysAgo(days), sessionId: `${days}-${tag}` })),
      );
      await db.insert(participantEvents).values(
        [91, 89].map((days) => ({ integrationId, meetingId: randomUUID(), epicUserId: `${days}-${tag}`, userType: 'Patient' as const, status: 'Connected' as const, at: daysAgo(days) })),
      );
      const [old, young] = await db
        .insert(meetings)
        .values([91, 89].map((days) => ({ integrationId, visitKey: `purge-${days}-${tag}`, state: 'ended' as const, admittancePolicy: 'automatic' as const, defaultHostEmail: 'h@clinic.example', endedAt: daysAgo(days) })))
        .returning();
      await db.insert(signInAttempts).values([31, 29].map((days) => ({ email: `${days}-${tag}@example.org`, address: '10.0.0.1', outcome: 'failed' as const, at: daysAgo(days) })));
      await db.insert(auditLog).values([731, 729].map((days) => ({ actorEmail: `${days}-${tag}@example.org`, action: 'settings.update', at: daysAgo(days) })));
      await db.insert(epicAccessTokens).values([
        { orderingKey: `expired-${tag}`, accessTokenSealed: 'v1:x:y:z', expiresAt: new Date(now.getTime() - 25 * 3600_000) },
        { orderingKey: `usable-${tag}`, accessTokenSealed: 'v1:x:y:z', expiresAt: new Date(now.getTime() - 1 * 3600_000) },
      ]);
      await db.insert(oauthLaunches).values([
        { state: `gone-${tag}`, integrationId, issuer: 'x', tokenEndpoint: 'x', pendingSealed: 'x', expiresAt: new Date(now.getTime() - 1000) },
        { state: `open-${tag}`, integrationId, issuer: 'x', tokenEndpoint: 'x', pendingSealed: 'x', expiresAt: new Date(now.getTime() + 60_000) },
      ]);

      const purged = await purgeExpiredRecords(db, now, 24 * 3600_000);
      for (const [kind, count] of Object.entries(purged)) assert.ok(count >= 1, `${kind}: ${count}`);
      const left = async (query: ReturnType<typeof sql>) => ((await db.execute(query)).rows as Array<{ value: string }>).map((row) => row.value);
      assert.deepEqual(await left(sql`select session_id as value from launch_log where session_id like ${`%-${tag}`}`), [`new-${tag}`]);
      assert.deepEqual(await left(sql`select session_id as value from notifications where session_id like ${`%-${tag}`}`), [`89-${tag}`]);
      assert.deepEqual(await left(sql`select epic_user_id as value from participant_events where epic_user_id like ${`%-${tag}`}`), [`89-${tag}`]);
      assert.deepEqual(await left(sql`select id::text as value from meetings where id in (${old!.id}, ${young!.id})`), [young!.id]);
      assert.deepEqual(await left(sql`select email as value from sign_in_attempts where email like ${`%-${tag}@example.org`}`), [`29-${tag}@example.org`]);
      assert.deepEqual(await left(sql`select actor_email as value from audit_log where actor_email like ${`%-${tag}@example.org`}`), [`729-${tag}@example.org`]);
      assert.deepEqual(await left(sql`select ordering_key as value from epic_access_tokens where ordering_key like ${`%-${tag}`}`), [`usable-${tag}`]);
      assert.deepEqual(await left(sql`select state as value from oauth_launches where state like ${`%-${tag}`}`), [`open-${tag}`]);
    });

    test('retention periods come from the server settings', async () => {
      const now = new Date('2032-01-01T00:00:00Z');
      const tag = randomUUID().slice(0, 8);
      await db.update(serverSettings).set({ launchLogDays: 2 }).where(eq(serverSettings.id, 1));
      await db.insert(launchLog).values([{ outcome: 'ok', at: new Date(now.getTime() - 3 * DAY), sessionId: `three-${tag}` }]);
      await purgeExpiredRecords(db, now, 0);
      assert.deepEqual(await db.select().from(launchLog).where(eq(launchLog.sessionId, `three-${tag}`)), []);
      await db.update(serverSettings).set({ launchLogDays: 30 }).where(eq(serverSettings.id, 1));
    });

    test('the purge runs on one server an hour: a second server at the same moment skips its turn', async () => {
      const now = new Date('2033-01-01T00:00:00Z');
      const first = await purgeIfDue(db, now, 0);
      const second = await purgeIfDue(db, now, 0);
      assert.ok(first);
      assert.equal(second, null);
      assert.ok(await purgeIfDue(db, new Date(now.getTime() + PURGE_EVERY_MS + 1000), 0));
    });
  });
}
