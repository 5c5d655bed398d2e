import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { accessOf, integrationFor, visibleIntegrations, type Access } from '../lib/access.ts';
import { listAdmins } from '../lib/admins/store.ts';
import { recentAudit, writeAudit } from '../lib/audit/log.ts';
import type { Database, DatabaseHandle } from '../lib/db/client.ts';
import { adminIntegrations, admins, launchLog, meetings, notifications, providers, rooms } from '../lib/db/schema.ts';
import { deliveryHealth } from '../lib/epic/delivery-health.ts';
import { recentLaunches } from '../lib/epic/launch-log.ts';
import { notificationRecord, searchNotificationRecords } from '../lib/epic/notification-records.ts';
import { deleteProvider, listProviders } from '../lib/providers/store.ts';
import { addRoom, deleteRoom, issuePairingCode, listRooms, roomFor, unpairRoom } from '../lib/rooms/store.ts';
import { searchVisits, visibleMeeting } from '../lib/visit/visit-list.ts';
import { seedIntegrationRow } from './fixtures/integration.ts';
import { pgliteBackend, postgresBackend, type Backend } from './support/backends.ts';

// Tenant scope by construction (lib/access.ts): every data function an admin page or action uses
// takes the caller's Access, and an admin of integration A reads and changes nothing of B through
// any of them. The e2e (e2e/tenant-scope.spec.ts) tries the same through pages and crafted actions.

for (const makeBackend of [pgliteBackend, postgresBackend]) {
  describe(makeBackend === pgliteBackend ? 'PGlite' : 'PostgreSQL', () => {
    let backend: Backend;
    let handle: DatabaseHandle;
    let db: Database;
    const seeded = {} as Record<'a' | 'b', { integrationId: string; meetingId: string; notificationId: string; roomId: string; providerId: string; adminEmail: string }>;
    let owner: Access;
    let adminOfA: Access;
    let adminOfNothing: Access;

    before(async () => {
      backend = await makeBackend();
      handle = await backend.open();
      db = handle.db;
      for (const name of ['a', 'b'] as const) {
        const { row } = await seedIntegrationRow(db, randomBytes(32), { name: `Org ${name}` });
        const [provider] = await db.insert(providers).values({ integrationId: row.id, epicUserId: `P-${name}`, email: `doctor-${name}@clinic.example`, userType: 'Licensed' }).returning();
        const [meeting] = await db
          .insert(meetings)
          .values({ integrationId: row.id, visitKey: `visit-${name}`, sessionId: `session-${name}`, admittancePolicy: 'automatic', defaultHostEmail: 'host@clinic.example' })
          .returning();
        const [notification] = await db
          .insert(notifications)
          .values({ integrationId: row.id, kind: 'connection_status', meetingId: meeting!.id, sessionId: `session-${name}`, status: 'Connected', orderingKey: `k-${name}`, body: {} })
          .returning();
        await db.insert(launchLog).values({ integrationId: row.id, encryptionKey: row.encryptionKey, outcome: 'expired', detail: `launch of ${name}` });
        const [room] = await db.insert(rooms).values({ integrationId: row.id, name: `Bed ${name}` }).returning();
        const [admin] = await db.insert(admins).values({ email: `admin-${name}@clinic.example`, passwordHash: 'unused' }).returning();
        await db.insert(adminIntegrations).values({ adminId: admin!.id, integrationId: row.id });
        seeded[name] = { integrationId: row.id, meetingId: meeting!.id, notificationId: notification!.id, roomId: room!.id, providerId: provider!.id, adminEmail: admin!.email };
      }
      await db.insert(launchLog).values({ encryptionKey: 'unknown-key', outcome: 'unknown_key', detail: 'launch of no integration' });
      await writeAudit(db, { actorEmail: 'owner@clinic.example', action: 'integration.add', target: 'integration of b' });
      const [ownerRow] = await db.insert(admins).values({ email: 'owner@clinic.example', passwordHash: 'unused', role: 'owner' }).returning();
      const [adminA] = await db.select().from(admins).where(eq(admins.email, 'admin-a@clinic.example'));
      const [lonely] = await db.insert(admins).values({ email: 'lonely@clinic.example', passwordHash: 'unused' }).returning();
      owner = await accessOf(db, ownerRow!);
      adminOfA = await accessOf(db, adminA!);
      adminOfNothing = await accessOf(db, lonely!);
    });
    after(async () => {
      await handle?.close();
      await backend?.dispose();
    });

    test('an admin of A reads A and nothing of B through every list', async () => {
      const { a, b } = seeded;
      assert.deepEqual((await visibleIntegrations(db, adminOfA)).map((row) => row.id), [a.integrationId]);
      assert.deepEqual((await searchVisits(db, adminOfA, { q: '' })).rows.map((row) => row.meetingId), [a.meetingId]);
      assert.deepEqual((await searchVisits(db, adminOfA, { q: 'session-b' })).rows, [], 'a search for B finds nothing');
      assert.deepEqual((await searchVisits(db, adminOfA, { q: '', integration: b.integrationId })).rows, [], 'a filter naming B finds nothing');
      assert.deepEqual((await searchNotificationRecords(db, adminOfA, { q: '' })).rows.map((row) => row.id), [a.notificationId]);
      assert.deepEqual((await searchNotificationRecords(db, adminOfA, { q: b.meetingId })).rows, []);
      assert.equal(await notificationRecord(db, adminOfA, b.notificationId), null);
      assert.equal((await notificationRecord(db, adminOfA, a.notificationId))?.notification.id, a.notificationId);
      const hour = { from: new Date(Date.now() - 3600_000), to: new Date(Date.now() + 3600_000) };
      const pendingOf = async (access: Access, integrationId?: string) =>
        (await deliveryHealth(db, access, { ...hour, integrationId })).oldestPendingMs !== null;
      assert.equal(await pendingOf(adminOfA), true);
      assert.equal(await pendingOf(adminOfNothing), false, 'no integration, no picture');
      assert.equal(await pendingOf(adminOfA, b.integrationId), false, 'a filter naming B shows nothing of B');
      assert.deepEqual((await recentLaunches(db, adminOfA, undefined)).map((row) => row.detail), ['launch of a']);
      assert.deepEqual((await listRooms(db, adminOfA)).map((row) => row.id), [a.roomId]);
      assert.deepEqual(await listRooms(db, adminOfA, b.integrationId), []);
      assert.deepEqual((await listProviders(db, adminOfA)).map((row) => row.id), [a.providerId]);
      assert.deepEqual(await recentAudit(db, adminOfA), [], 'the audit log is the owner’s');
      // Admins: the owner, themselves, and those who share A; never B's admin, nor B's id.
      const seen = await listAdmins(db, adminOfA);
      assert.deepEqual(seen.map((admin) => admin.email), ['owner@clinic.example', a.adminEmail]);
      assert.ok(seen.every((admin) => !admin.integrationIds.includes(b.integrationId)));
      assert.deepEqual((await listAdmins(db, adminOfNothing)).map((admin) => admin.email), ['owner@clinic.example', 'lonely@clinic.example']);
      for (const nothing of [
        await searchVisits(db, adminOfNothing, { q: '' }),
        await searchNotificationRecords(db, adminOfNothing, { q: '' }),
      ]) {
        assert.deepEqual(nothing.rows, []);
      }
      assert.deepEqual(await recentLaunches(db, adminOfNothing, undefined), []);
    });

    test('the owner reads every integration, launches of no integration, every admin and the audit log', async () => {
      const { a, b } = seeded;
      assert.deepEqual(new Set((await searchVisits(db, owner, { q: '' })).rows.map((row) => row.meetingId)), new Set([a.meetingId, b.meetingId]));
      assert.equal((await notificationRecord(db, owner, b.notificationId))?.notification.id, b.notificationId);
      assert.deepEqual(new Set((await recentLaunches(db, owner, undefined)).map((row) => row.detail)), new Set(['launch of a', 'launch of b', 'launch of no integration']));
      assert.equal((await listAdmins(db, owner)).length, 4);
      assert.equal((await recentAudit(db, owner)).length, 1);
      assert.equal((await listProviders(db, owner)).length, 2);
    });

    test('an admin of A changes nothing of B: rooms, providers, visits and settings are out of reach', async () => {
      const { b } = seeded;
      assert.equal(await integrationFor(db, adminOfA, b.integrationId), null);
      assert.equal(await visibleMeeting(db, adminOfA, b.meetingId), null);
      assert.equal(await roomFor(db, adminOfA, b.roomId), null);
      assert.equal(await addRoom(db, adminOfA, { integrationId: b.integrationId, name: 'Sneaky', location: '' }), null);
      assert.equal(await issuePairingCode(db, adminOfA, b.roomId), null);
      assert.equal(await unpairRoom(db, adminOfA, b.roomId), null);
      assert.equal(await deleteRoom(db, adminOfA, b.roomId), null);
      assert.equal(await deleteProvider(db, adminOfA, b.providerId), null);
      const [roomOfB] = await db.select().from(rooms).where(eq(rooms.id, b.roomId));
      assert.equal(roomOfB?.pairingCodeHash, null, 'no pairing code was made for B');
      assert.equal((await db.select().from(rooms).where(eq(rooms.name, 'Sneaky'))).length, 0);
      assert.equal((await db.select().from(providers).where(inArray(providers.id, [b.providerId]))).length, 1);
      // The owner can.
      assert.ok(await issuePairingCode(db, owner, b.roomId));
      assert.equal((await visibleMeeting(db, owner, b.meetingId))?.id, b.meetingId);
    });
  });
}
