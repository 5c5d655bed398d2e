import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { accessOf, type Access } from '../lib/access.ts';
import type { Database, DatabaseHandle } from '../lib/db/client.ts';
import { admins, participants, providers } from '../lib/db/schema.ts';
import { connectParticipant } from '../lib/visit/meeting-state.ts';
import { searchVisits } from '../lib/visit/visit-list.ts';
import { seedIntegrationRow } from './fixtures/integration.ts';
import { pgliteBackend, postgresBackend, type Backend } from './support/backends.ts';

// The admin's Visits table: who the visit's provider is, and guests with their role.

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
      const [ownerRow] = await db.insert(admins).values({ email: 'owner@clinic.example', passwordHash: 'unused', role: 'owner' }).returning();
      owner = await accessOf(db, ownerRow!);
    });
    after(async () => {
      await handle?.close();
      await backend?.dispose();
    });

    async function join(integrationId: string, visitKey: string, userType: 'Patient' | 'Provider', externalId: string, firstName: string) {
      // A provider's launch finds or makes their account first (lib/visit/launch.ts).
      const [provider] = await db.insert(providers).values({ integrationId, epicUserId: externalId, firstName, lastName: 'Doe', userType: 'Licensed' }).returning();
      const [row] = await handle.query<{ joined_participant_id: string; joined_meeting_id: string }>(
        'select * from televisit_join_visit($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::uuid, $13, $14::timestamptz, $15, $16)',
        [integrationId, visitKey, visitKey, null, 'automatic', 'host@clinic.example', userType, externalId, null, firstName, 'Doe', provider!.id, 'key', null, false, 4],
      );
      return { meetingId: row!.joined_meeting_id, participantId: row!.joined_participant_id };
    }

    test('the visit’s provider is the first provider who joined, and guests are listed with their role and language', async () => {
      const { row: integration } = await seedIntegrationRow(db, randomBytes(32));
      const visitKey = `visit-${randomUUID()}`;
      const first = await join(integration.id, visitKey, 'Provider', 'EMP1', 'First');
      const second = await join(integration.id, visitKey, 'Provider', 'EMP2', 'Second');
      assert.equal(await connectParticipant(db, first.participantId, randomUUID()), 'connected');
      assert.equal(await connectParticipant(db, second.participantId, randomUUID()), 'connected');
      await db.insert(participants).values({ meetingId: first.meetingId, userType: 'Guest', epicUserId: 'guest-1', firstName: 'Maria', lastName: 'Ruiz', guestRole: 'interpreter', language: 'Spanish' });
      const [visit] = (await searchVisits(db, owner, { q: visitKey })).rows;
      assert.equal(visit?.host, 'First Doe');
      assert.equal(visit?.hostIsProvider, true);
      const guest = visit!.participants.find((person) => person.userType === 'Guest');
      assert.deepEqual({ role: guest?.role, language: guest?.language, name: guest?.name }, { role: 'Interpreter', language: 'Spanish', name: 'Maria Ruiz' });
      assert.equal(visit!.participants.find((person) => person.userType === 'Provider')?.role, null);
    });
  });
}
