import { rmSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { asc } from 'drizzle-orm';
import { notifications } from '../lib/db/schema';
import { startApp, type AppServer } from './support/app-server';
import { prepareEmbeddedData, withEmbeddedDatabase } from './support/embedded-app';
import { launchPath, uniqueSessionId } from './support/epic';
import { startFakeEpic } from './support/fake-epic';

// Its own server on its own embedded database, so no other server can deliver for it.
test('a server killed mid-delivery sends every pending notification after it restarts', async ({ browser }) => {
  test.setTimeout(180_000);
  const epic = await startFakeEpic();
  const data = await prepareEmbeddedData({ connectionStatusUrl: `${epic.url}/status` });
  const port = 3292;
  const baseUrl = `http://127.0.0.1:${port}`;
  const metricsToken = 'durability-metrics-token-0123456789';
  const env = { ...data.env, NOTIFY_TIMEOUT_MS: '3000', NOTIFY_RETRY_BASE_MS: '300', METRICS_TOKEN: metricsToken };
  const logFile = path.resolve('test-results/app-server-durability.log');
  let app: AppServer | undefined = await startApp({ port, env, logFile });
  try {
    epic.answerWith(503);
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const patient = await context.newPage();
    await patient.goto(baseUrl + launchPath(data.integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT700' }));
    await expect(patient.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
    await context.close();
    // The page is gone; its Disconnected is recorded once the reconnect grace has passed: nobody connected.
    const connected = async () => {
      const response = await fetch(`${baseUrl}/metrics`, { headers: { Authorization: `Bearer ${metricsToken}` } });
      return /^televisit_connected_participants (\d+)$/m.exec(await response.text())?.[1];
    };
    await expect.poll(connected, { timeout: 15_000 }).toBe('0');
    await expect.poll(() => epic.calls.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);

    // The next call hangs in Epic; the server dies while it is in flight.
    epic.delayMs = 2500;
    await expect.poll(() => epic.inFlight, { timeout: 15_000, intervals: [50] }).toBeGreaterThan(0);
    await app.stop('SIGKILL');
    app = undefined;
    epic.delayMs = 0;
    epic.answerWith(200);

    const pending = await withEmbeddedDatabase(data.dataDir, (database) => database.select().from(notifications).orderBy(asc(notifications.seq)));
    expect(pending.map((row) => [row.status, row.state])).toEqual([
      ['Connected', 'pending'],
      ['Disconnected', 'pending'],
    ]);

    app = await startApp({ port, env, logFile });
    await expect
      .poll(() => epic.calls.filter((call) => call.answeredWith === 200).map((call) => call.json!.ConnectionStatus), { timeout: 30_000 })
      .toEqual(['Connected', 'Disconnected']);
    await app.stop();
    app = undefined;
    const settled = await withEmbeddedDatabase(data.dataDir, (database) => database.select().from(notifications).orderBy(asc(notifications.seq)));
    expect(settled.map((row) => row.state)).toEqual(['delivered', 'delivered']);
  } finally {
    await app?.stop();
    await epic.close();
    rmSync(data.dataDir, { recursive: true, force: true });
  }
});
