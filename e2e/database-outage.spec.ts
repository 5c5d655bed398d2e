import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import pg from 'pg';
import { openDatabase } from '../lib/db/client';
import { seedIntegrationRow } from '../test/fixtures/integration';
import { startApp, type AppServer } from './support/app-server';
import { startFakeEpic, type FakeEpic } from './support/fake-epic';
import { createPrivatePostgres, type PrivatePostgres } from './support/private-postgres';
import { eventually, launchVisitor, openStream } from './support/visit';

// PostgreSQL going away under a visit: every app connection ended by an admin, then the whole
// database restarted. The server keeps answering, and Epic still hears everything, in order.
const PORT = 3214;
const PG_PORT = 5499;
const APP_LOG = path.resolve('test-results/app-server-outage.log');

test.describe('the database goes away mid-visit', () => {
  test.use({ storageState: { cookies: [], origins: [] } });
  let cluster: PrivatePostgres;
  let app: AppServer | undefined;
  let epic: FakeEpic;

  test.beforeAll(() => {
    cluster = createPrivatePostgres(PG_PORT);
    cluster.start();
  });
  test.afterAll(async () => {
    await app?.stop();
    await epic?.close();
    cluster.remove();
  });

  test('ended connections and a restart: the server keeps answering, and no notification is lost', async () => {
    test.setTimeout(120_000);
    epic = await startFakeEpic();
    const masterKey = randomBytes(32);
    app = await startApp({
      port: PORT,
      env: {
        DATABASE_URL: cluster.url,
        TELEVISIT_MASTER_KEY: masterKey.toString('base64'),
        NEXTAUTH_SECRET: randomBytes(32).toString('base64'),
        NEXTAUTH_URL: `http://127.0.0.1:${PORT}`,
        NOTIFY_RETRY_BASE_MS: '300',
      },
      logFile: APP_LOG,
    });
    const seeding = await openDatabase({ databaseUrl: cluster.url, dataDir: '/nonexistent' });
    const { row, secret } = await seedIntegrationRow(seeding.db, masterKey, { connectionStatusUrl: `${epic.url}/status` });
    await seeding.close();
    const integration = { id: row.id, encryptionKey: row.encryptionKey, secret };

    const provider = await launchVisitor(app.url, integration, { SessionID: '7770001', UserType: 'Provider', ExternalID: 'EMP70' });
    const patient = await launchVisitor(app.url, integration, { SessionID: '7770001', UserType: 'Patient', ExternalID: 'PAT70' });
    const providerStream = await openStream(app.url, provider);
    const patientStream = await openStream(app.url, patient);
    await eventually(() => patientStream.state()?.stage === 'in-call');
    await expect.poll(() => epic.calls.length).toBe(2);

    // An admin ends every connection of the app: pooled ones and the one that LISTENs.
    await withAdmin(cluster.url, (client) => client.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name <> 'televisit-test' and pid <> pg_backend_pid() and backend_type = 'client backend'"));
    expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
    // The visit goes on: a change made now still reaches the other side.
    const interpreter = await launchVisitor(app.url, integration, { SessionID: '7770001', UserType: 'Patient', ExternalID: 'PAT71' });
    const interpreterStream = await openStream(app.url, interpreter);
    await eventually(() => (providerStream.state()?.peers as unknown[] | undefined)?.length === 2, 15_000);
    await expect.poll(() => new Set(epic.calls.map((call) => call.headers['idempotency-key'])).size).toBe(3);

    // PostgreSQL restarts; while it is down, the patient leaves.
    const logSoFar = readFileSync(APP_LOG, 'utf8').length;
    cluster.stop();
    patientStream.close();
    expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
    // The app tried to record the leave while the database was down, and keeps trying.
    await eventually(() => readFileSync(APP_LOG, 'utf8').slice(logSoFar).includes('disconnect failed; retrying'), 15_000);
    cluster.start();

    // The patient's Disconnected reaches Epic once the database is back, then the others'.
    // Delivery is at least once: should the database go away after Epic answered and before the
    // answer was written (and stay away longer than the worker waits), the call is made again with
    // the same Idempotency-Key. Each notification is counted once, by its key.
    const heardOnce = () => [...new Map(epic.calls.map((call) => [call.headers['idempotency-key'], call])).values()];
    const heard = () => heardOnce().map((call) => `${call.json?.ExternalID}:${call.json?.ConnectionStatus}`);
    await expect.poll(() => heard().sort(), { timeout: 40_000 }).toEqual(['EMP70:Connected', 'PAT70:Connected', 'PAT70:Disconnected', 'PAT71:Connected']);
    expect(heard().filter((entry) => entry.startsWith('PAT70:'))).toEqual(['PAT70:Connected', 'PAT70:Disconnected']);
    await eventually(() => (providerStream.state()?.peers as unknown[] | undefined)?.length === 1, 15_000);
    providerStream.close();
    interpreterStream.close();
    await expect.poll(() => heardOnce().length, { timeout: 20_000 }).toBe(6);
    const states = await withAdmin(cluster.url, async (client) => (await client.query('select state, count(*)::int as count from notifications group by state')).rows);
    expect(states).toEqual([{ state: 'delivered', count: 6 }]);
  });
});

async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'televisit-test' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
