import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { createDatabase, dropDatabase } from '../e2e/support/database.ts';
import { openDatabase, type DatabaseHandle } from '../lib/db/client.ts';
import { notifications } from '../lib/db/schema.ts';
import { seedIntegrationRow } from './fixtures/integration.ts';
import { claimDue } from '../lib/epic/notification-worker.ts';

// Several app servers on one PostgreSQL: claims must never hand one notification to two of them,
// and never hand out a participant's later notification while an earlier one is pending.
let database: { name: string; url: string };
const servers: DatabaseHandle[] = [];
let integrationId: string;

before(async () => {
  database = await createDatabase('televisit_unit_claims');
  for (let index = 0; index < 3; index++) servers.push(await openDatabase({ databaseUrl: database.url, dataDir: '/unused' }));
  const { row } = await seedIntegrationRow(servers[0]!.db, randomBytes(32));
  integrationId = row.id;
});

after(async () => {
  for (const server of servers) await server.close();
  await dropDatabase(database.name);
});

test('servers claiming at once never get the same notification, and get only the head of each participant\'s queue', async () => {
  const participants = 40;
  const perParticipant = 5;
  await servers[0]!.db.insert(notifications).values(
    Array.from({ length: participants * perParticipant }, (_, index) => ({
      integrationId,
      kind: 'connection_status' as const,
      status: index % 2 ? 'Disconnected' : 'Connected',
      orderingKey: `claims:${index % participants}`,
      body: { index },
    })),
  );
  const batches = await Promise.all(
    Array.from({ length: 12 }, (_, index) => claimDue(servers[index % servers.length]!.db, { timeoutMs: 10_000, batchSize: 10 })),
  );
  const claimed = batches.flat();
  const ids = claimed.map((row) => row.id);
  assert.equal(new Set(ids).size, ids.length, 'a notification was claimed twice');
  const keys = claimed.map((row) => row.orderingKey);
  assert.equal(new Set(keys).size, keys.length, 'two notifications of one participant were claimed together');
  assert.equal(claimed.length, participants, 'every participant\'s first notification is claimable');
  for (const row of claimed) {
    const [head] = (
      await servers[0]!.db.execute(sql`select min(seq)::int as seq from notifications where ordering_key = ${row.orderingKey}`)
    ).rows as Array<{ seq: number }>;
    assert.equal(row.seq, head!.seq, 'a later notification was claimed before an earlier one');
  }

  // Claimed rows stay out of reach until their lease lapses; nothing else is due yet.
  assert.deepEqual(await claimDue(servers[1]!.db, { timeoutMs: 10_000 }), []);
});
