// bench/notify: how long from a participant event to Epic receiving its notification, at 200
// events/s with a healthy endpoint, and how fast Notification Records searches 1,000,000 rows.
//   npm run bench:notify            (builds first when needed; uses the local PostgreSQL)
// Targets: delivery p99 under 100 ms; search p99 under 20 ms.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { startApp } from '../e2e/support/app-server';
import { createDatabase, dropDatabase } from '../e2e/support/database';
import { startFakeEpic } from '../e2e/support/fake-epic';
import { openDatabase } from '../lib/db/client';
import { accessOf } from '../lib/access';
import { adminIntegrations, admins, integrations } from '../lib/db/schema';
import { searchNotificationRecords } from '../lib/epic/notification-records';
import { seedIntegrationRow } from '../test/fixtures/integration';
import { buildIfNeeded } from './support/build';
import { percentile } from './support/percentile';

const EVENTS_PER_SECOND = 200;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const SEARCHES = 500;

async function main() {
  buildIfNeeded();
  const database = await createDatabase('televisit_bench');
  const masterKey = randomBytes(32);
  const epic = await startFakeEpic();
  const handle = await openDatabase({ databaseUrl: database.url, dataDir: '/nonexistent' });
  const port = Number(process.env.BENCH_PORT ?? 3391);
  const app = await startApp({
    port,
    // Production settings: with DATABASE_URL the server also needs its public URL.
    env: { DATABASE_URL: database.url, TELEVISIT_MASTER_KEY: masterKey.toString('base64'), NEXTAUTH_SECRET: randomBytes(32).toString('base64'), NEXTAUTH_URL: `http://127.0.0.1:${port}` },
    logFile: '/tmp/televisit-bench-notify.log',
  });
  try {
    const { row: integration } = await seedIntegrationRow(handle.db, masterKey, { connectionStatusUrl: `${epic.url}/status` });

    // Warm up first (JIT, connection pools, the worker's first claims), then measure.
    await measureDelivery(handle, integration.id, epic, 'W', 2);
    epic.calls.length = 0;
    const delivery = await measureDelivery(handle, integration.id, epic, 'M', SECONDS);
    const search = await measureSearch(handle.db, integration.id);

    console.log(`\nbench/notify: PostgreSQL (local), next start with its notification worker, fake Epic on 127.0.0.1`);
    console.log(`event -> Epic received, ${delivery.count} of ${delivery.events} events at ${EVENTS_PER_SECOND}/s: p50 ${delivery.p50.toFixed(1)} ms, p99 ${delivery.p99.toFixed(1)} ms, max ${delivery.max.toFixed(1)} ms (target p99 < 100 ms)`);
    for (const [name, figures] of Object.entries(search)) {
      console.log(`records search, ${RECORDS.toLocaleString('en')} rows, ${name}: p50 ${figures.p50.toFixed(2)} ms, p99 ${figures.p99.toFixed(2)} ms (target p99 < 20 ms)`);
    }
  } finally {
    await app.stop();
    await epic.close();
    await handle.close();
    await dropDatabase(database.name);
  }
}

/** Connects and disconnects participants through the app's own state changes, evenly paced. */
async function measureDelivery(
  handle: Awaited<ReturnType<typeof openDatabase>>,
  integrationId: string,
  epic: Awaited<ReturnType<typeof startFakeEpic>>,
  label: string,
  seconds: number,
) {
  const { joinVisit } = await import('../lib/visit/launch');
  const { connectParticipant, disconnectParticipant } = await import('../lib/visit/meeting-state');
  const database = handle.db;
  const [integration] = await database.select().from(integrations).where(sql`${integrations.id} = ${integrationId}`);
  const total = EVENTS_PER_SECOND * seconds;
  const people = await Promise.all(
    Array.from({ length: total / 2 }, (_, index) =>
      joinVisit(handle, integration!, {
        sessionId: `${label}${index}`, conferenceId: null, meetingKey: `${label}${index}`, userType: 'Patient', externalId: `${label}${index}`, externalIdType: null,
        firstName: null, lastName: null, email: null, orgId: null, timestamp: null, appointmentTime: null, linkValidityMinutes: 0,
        expiresAt: null, launchCode: null, roomName: null,
      }, 'bench-notify'),
    ),
  );
  const interval = 1000 / EVENTS_PER_SECOND;
  const started = performance.now();
  const pending: Array<Promise<unknown>> = [];
  for (let index = 0; index < total; index++) {
    const due = started + index * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const person = people[Math.floor(index / 2)]!;
    const connection = `${label === 'W' ? '00000000' : '11111111'}-0000-4000-8000-${String(Math.floor(index / 2)).padStart(12, '0')}`;
    pending.push(index % 2 === 0 ? connectParticipant(database, person.participantId!, connection) : disconnectParticipant(database, person.participantId!, connection));
  }
  await Promise.all(pending);
  // A disconnect that overtook its own connect records nothing: count the events really written.
  const counted = (
    await database.execute(sql`select count(*)::int as events from participant_events where integration_id = ${integrationId} and epic_user_id like ${`${label}%`}`)
  ).rows as Array<{ events: number }>;
  const events = counted[0]?.events ?? 0;
  const deadline = Date.now() + 30_000;
  while (epic.calls.length < events && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (process.env.BENCH_DEBUG) {
    const buckets = new Map<number, number[]>();
    for (const call of epic.calls) {
      const sent = Date.parse(String(call.json!.Timestamp));
      const bucket = Math.floor((sent - epic.calls[0]!.at) / 500);
      buckets.set(bucket, [...(buckets.get(bucket) ?? []), call.at - sent]);
    }
    for (const [bucket, values] of [...buckets].sort((a, b) => a[0] - b[0])) console.log(`t=${bucket / 2}s max ${Math.max(...values)} ms n=${values.length}`);
  }
  const latencies = epic.calls.map((call) => call.at - Date.parse(String(call.json!.Timestamp))).sort((a, b) => a - b);
  return { count: latencies.length, events, ...percentiles(latencies), max: latencies.at(-1) ?? NaN };
}

/** Fills the table to RECORDS rows in bulk, then times the searches the records page makes. */
async function measureSearch(database: Awaited<ReturnType<typeof openDatabase>>['db'], integrationId: string) {
  await database.execute(sql`
    insert into notifications (integration_id, kind, meeting_id, session_id, epic_user_id, user_type, status, ordering_key, body, state, attempts, resp_code, created_at)
    select ${integrationId}::uuid, 'connection_status',
      md5('m' || (n / 8))::uuid, 'S' || (n / 8), 'U' || (n % 97),
      (case when n % 2 = 0 then 'Patient' else 'Provider' end)::user_type,
      (case when n % 4 < 2 then 'Connected' else 'Disconnected' end)::connection_status,
      'bench:' || (n / 4), '{}'::jsonb,
      (case when n % 50 = 0 then 'failed' else 'delivered' end)::notification_state, 1,
      case when n % 50 = 0 then 503 else 200 end,
      now() - make_interval(secs => (${RECORDS} - n) * 2)
    from generate_series(1, ${RECORDS}) as n
  `);
  await database.execute(sql`analyze notifications`);
  const timed = async (search: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let index = 0; index < SEARCHES; index++) {
      const started = performance.now();
      await search();
      samples.push(performance.now() - started);
    }
    return percentiles(samples.sort((a, b) => a - b));
  };
  const randomGroup = () => Math.floor(Math.random() * (RECORDS / 8));
  const meetingIdOf = async (group: number) =>
    ((await database.execute(sql`select md5(${`m${group}`})::uuid as id`)).rows[0] as { id: string }).id;
  const meetingIds = await Promise.all(Array.from({ length: 50 }, () => meetingIdOf(randomGroup())));
  // As the page searches for an admin granted this integration (the scoped query).
  const [admin] = await database.insert(admins).values({ email: `bench-${randomBytes(4).toString('hex')}@example.org`, passwordHash: 'unused' }).returning();
  await database.insert(adminIntegrations).values({ adminId: admin!.id, integrationId });
  const access = await accessOf(database, admin!);
  return {
    'by meeting ID': await timed(() => searchNotificationRecords(database, access, { q: meetingIds[Math.floor(Math.random() * meetingIds.length)]! })),
    'by Epic session ID': await timed(() => searchNotificationRecords(database, access, { q: `S${randomGroup()}` })),
    'only failures, all meetings': await timed(() => searchNotificationRecords(database, access, { q: '', failures: '1' })),
    'newest page, no filter': await timed(() => searchNotificationRecords(database, access, { q: '' })),
    'a page deep in the past': await timed(() => searchNotificationRecords(database, access, { q: '', before: Math.floor(Math.random() * RECORDS) + 1 })),
  };
}

function percentiles(sorted: number[]) {
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
