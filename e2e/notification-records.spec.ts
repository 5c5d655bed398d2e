import { expect, test } from '@playwright/test';
import { query } from './support/database';
import { launchPath, seedIntegration, uniqueSessionId } from './support/epic';
import { startFakeEpic } from './support/fake-epic';

test('an admin finds a meeting\'s notifications by meeting ID, filters failures, and opens one with its attempts', async ({ page, browser }) => {
  const epic = await startFakeEpic();
  const { sealSecret } = await import('../lib/secrets');
  const masterKey = Buffer.from(JSON.parse(process.env.E2E_APP_ENV!).TELEVISIT_MASTER_KEY, 'base64');
  const password = 'records-secret-pass';
  const integration = await seedIntegration({
    connection_status_url: `${epic.url}/status`,
    auth_type: 'basic',
    auth_name: 'emp$RECORDS',
    auth_password_sealed: sealSecret(password, 'authPassword', masterKey),
  });
  epic.failNext(503, 1);
  const sessionId = uniqueSessionId();
  const patientContext = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const patient = await patientContext.newPage();
  await patient.goto(launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT600' }));
  const meetingId = new URL(patient.url()).pathname.split('/').pop()!;
  await expect.poll(() => epic.calls.filter((call) => call.answeredWith === 200).length).toBe(1);
  epic.answerWith(401);
  await patientContext.close();
  await expect
    .poll(async () => (await query<{ state: string }>("select state from notifications where meeting_id = $1 and status = 'Disconnected'", [meetingId]))[0]?.state)
    .toBe('failed');

  await page.goto('/admin/notifications');
  await page.getByLabel('Meeting ID or Epic session ID').fill(meetingId);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(new RegExp(`q=${meetingId}`));
  const table = page.getByRole('table', { name: 'Notification records' });
  await expect(table.getByRole('row')).toHaveCount(3);
  await expect(table.getByRole('row').nth(1)).toContainText('Disconnected');
  await expect(table.getByRole('row').nth(1)).toContainText('401');
  await expect(table.getByRole('row').nth(1)).toContainText('failed');
  await expect(table.getByRole('row').nth(2)).toContainText('Connected');
  await expect(table.getByRole('row').nth(2)).toContainText('200');
  await expect(table.getByRole('row').nth(2)).toContainText('delivered');

  // By Epic session ID too, and the failures filter lives in the URL.
  // Both are failures: the Disconnected failed, and the Connected failed (503) before it was delivered.
  await page.goto(`/admin/notifications?q=${sessionId}&failures=1`);
  await expect(page.getByLabel('Only failures')).toBeChecked();
  await expect(table.getByRole('row')).toHaveCount(3);
  await expect(table.getByRole('row').nth(1)).toContainText('Disconnected');
  await expect(table.getByRole('row').nth(2)).toContainText('delivered');
  // A clean delivery is not one: once the Connected is counted as sent at once, the filter drops it.
  await query("update notifications set attempts = 1 where meeting_id = $1 and status = 'Connected'", [meetingId]);
  await page.reload();
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table.getByRole('row').nth(1)).toContainText('Disconnected');
  await query("update notifications set attempts = 2 where meeting_id = $1 and status = 'Connected'", [meetingId]);
  await page.goto(`/admin/notifications?q=${meetingId}`);
  await expect(table.getByRole('row')).toHaveCount(3);

  // The detail of the delivered one shows the 503 attempt, then the 200.
  await table.getByRole('row').nth(2).getByRole('link').click();
  await expect(page.getByRole('heading', { name: 'Notification record' })).toBeVisible();
  await expect(page.getByTestId('attempt-resp-code')).toHaveText(['503', '200']);
  await expect(page.getByText('Authorization: Basic [redacted]').first()).toBeVisible();
  await expect(page.getByText('"ConnectionStatus": "Connected"')).toBeVisible();
  const html = await page.content();
  expect(html).not.toContain(password);
  expect(html).not.toContain(Buffer.from(`emp$RECORDS:${password}`).toString('base64'));

  // A bad time in the URL is a clear message, not an error page.
  const bad = await page.goto('/admin/notifications?from=yesterday');
  expect(bad!.status()).toBe(200);
  await expect(page.getByTestId('search-problems')).toContainText('from');
  await epic.close();
});

test('the delivery picture follows the search: one session\'s calls only, under a time axis', async ({ page }) => {
  const integration = await seedIntegration();
  const searched = uniqueSessionId();
  const other = uniqueSessionId();
  const seed = (sessionId: string, state: string, attempts: number) =>
    query(
      "insert into notifications (integration_id, kind, session_id, status, ordering_key, body, state, attempts, resp_code) values ($1, 'connection_status', $2, 'Connected', $3, '{}', $4, $5, 200)",
      [integration.id, sessionId, `${sessionId}-${state}-${attempts}`, state, attempts],
    );
  await seed(searched, 'delivered', 1);
  await seed(searched, 'failed', 3);
  await seed(other, 'delivered', 1);
  await seed(other, 'delivered', 1);
  await page.goto(`/admin/notifications?q=${searched}`);
  await expect(page.getByRole('heading', { name: `Delivery health of ${searched}` })).toBeVisible();
  await expect(page.getByTestId('health-totals')).toContainText('Delivered at once: 1');
  await expect(page.getByTestId('health-totals')).toContainText('Failed or not sent: 1');
  await expect(page.getByTestId('health-axis').locator('time')).toHaveCount(3);
});
