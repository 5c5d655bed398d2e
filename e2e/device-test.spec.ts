import { expect, test, type Page } from '@playwright/test';
import { query } from './support/database';
import { launchPath, seedIntegration, uniqueSessionId } from './support/epic';

// Spec section 3: the patient device test, from a launch link with &mode=devicetest or plainly.
test.use({ storageState: { cookies: [], origins: [] }, viewport: { width: 360, height: 740 } });

const HELP_URL = 'https://help.hospital.example/video';

interface NotificationRow {
  kind: string;
  status: string;
  session_id: string;
  epic_user_id: string;
  user_type: string;
  meeting_id: string | null;
  body: Record<string, unknown>;
}

/** Start, see camera and microphone pass, answer Yes for the speaker, wait for the network. */
async function passEveryCheck(page: Page) {
  await page.getByRole('button', { name: 'Start the test' }).click();
  await expect(page.getByTestId('camera-result')).toContainText('Passed', { timeout: 15_000 });
  await expect.poll(() => page.getByLabel('Your camera preview').evaluate((video: HTMLVideoElement) => video.videoWidth)).toBeGreaterThan(0);
  const meter = page.getByRole('progressbar', { name: 'Microphone level' });
  await expect.poll(async () => Number(await meter.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  await expect(page.getByTestId('microphone-result')).toContainText('Passed');
  await page.getByRole('button', { name: 'Play test sound' }).click();
  await page.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByTestId('speaker-result')).toContainText('Passed');
  await expect(page.getByTestId('network-result')).toContainText('Passed', { timeout: 45_000 });
  await expect(page.getByTestId('overall-result')).toHaveText(/^Passed/);
}

test('a device test launched from Epic passes every check and sends the result for that visit', async ({ page }) => {
  const integration = await seedIntegration({ device_test_help_url: HELP_URL });
  const sessionId = uniqueSessionId();
  await page.goto(launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT31' }, '&mode=devicetest'));
  await expect(page).toHaveURL(/\/device-test$/);
  const cookie = (await page.context().cookies()).find((candidate) => candidate.name === 'tv_device_test');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
  await expect(page.getByRole('link', { name: 'Need help?' })).toHaveAttribute('href', HELP_URL);

  await passEveryCheck(page);
  await expect(page.getByTestId('send-status')).toHaveText('Your results were sent to your clinic.');
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);

  const rows = await query<NotificationRow>(
    'select kind, status, session_id, epic_user_id, user_type, meeting_id, body from notifications where integration_id = $1',
    [integration.id],
  );
  expect(rows).toHaveLength(1);
  const [row] = rows;
  expect(row).toMatchObject({ kind: 'device_test', status: 'Passed', session_id: sessionId, epic_user_id: 'PAT31', user_type: 'Patient', meeting_id: null });
  const userAgent = await page.evaluate(() => navigator.userAgent);
  expect(row!.body).toEqual({
    SessionID: sessionId,
    ExternalID: 'PAT31',
    UserType: 'Patient',
    Result: 'Passed',
    Camera: 'Passed',
    Microphone: 'Passed',
    Speaker: 'Passed',
    Network: { Result: 'Passed', RoundTripMs: expect.any(Number), BitrateKbps: expect.any(Number) },
    Browser: userAgent,
    Timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
  });
  const network = row!.body.Network as { RoundTripMs: number; BitrateKbps: number };
  expect(network.RoundTripMs).toBeLessThan(400);
  expect(network.BitrateKbps).toBeGreaterThanOrEqual(500);

  // A device test joins no visit: the launch log says so, and no meeting was made.
  const launches = await query('select outcome, detail, session_id, epic_user_id, user_type from launch_log where encryption_key = $1', [integration.encryptionKey]);
  expect(launches).toEqual([{ outcome: 'ok', detail: 'device test', session_id: sessionId, epic_user_id: 'PAT31', user_type: 'Patient' }]);
  expect(await query('select id from meetings where integration_id = $1', [integration.id])).toEqual([]);
});

test('Finish sends what is done with the rest as NotTested; a check done later sends the latest result again', async ({ page }) => {
  const integration = await seedIntegration();
  const sessionId = uniqueSessionId();
  await page.goto(launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT32' }, '&mode=devicetest'));
  await expect(page.getByRole('link', { name: 'Need help?' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Start the test' }).click();
  await expect(page.getByTestId('camera-result')).toContainText('Passed', { timeout: 15_000 });
  await page.getByRole('button', { name: 'Finish and send what is done' }).click();
  await expect(page.getByTestId('send-status')).toHaveText('Your results were sent to your clinic.');
  const sent = () => query<NotificationRow>('select status, body from notifications where integration_id = $1 order by seq', [integration.id]);
  const [finished] = await sent();
  expect(finished!.body).toMatchObject({ Camera: 'Passed', Speaker: 'NotTested', Result: 'Passed' });
  expect(finished!.status).toBe('Passed');

  await expect(page.getByTestId('network-result')).toContainText('Passed', { timeout: 45_000 });
  await page.getByRole('button', { name: 'Play test sound' }).click();
  await page.getByRole('button', { name: 'No' }).click();
  await expect(page.getByTestId('overall-result')).toHaveText(/^Failed/);
  await expect.poll(async () => (await sent()).map((row) => `${row.body.Speaker}:${row.status}`)).toEqual(['NotTested:Passed', 'Failed:Failed']);
  await page.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByTestId('overall-result')).toHaveText(/^Passed/);
  await expect.poll(async () => (await sent()).map((row) => `${row.body.Speaker}:${row.status}`)).toEqual(['NotTested:Passed', 'Failed:Failed', 'Passed:Passed']);
});

test('plain /device-test without a launch works and sends nothing', async ({ page }) => {
  const before = await query<{ count: string }>("select count(*) from notifications where kind = 'device_test'");
  await page.goto('/device-test');
  await passEveryCheck(page);
  await expect(page.getByTestId('send-status')).toHaveText('Your results stay on this device.');
  const after = await query<{ count: string }>("select count(*) from notifications where kind = 'device_test'");
  expect(after).toEqual(before);

  // Without a launch the help link is the primary integration's, or none.
  const [primary] = await query<{ device_test_help_url: string | null }>('select device_test_help_url from integrations order by created_at limit 1');
  const help = page.getByRole('link', { name: 'Need help?' });
  if (primary?.device_test_help_url) await expect(help).toHaveAttribute('href', primary.device_test_help_url);
  else await expect(help).toHaveCount(0);
});

test('a blocked camera and microphone fail with what to do', async ({ page }) => {
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  await page.goto('/device-test');
  await page.getByRole('button', { name: 'Start the test' }).click();
  await expect(page.getByTestId('camera-result')).toContainText('Failed');
  await expect(page.getByTestId('camera-result')).toContainText('Your browser blocked the camera');
  await expect(page.getByTestId('microphone-result')).toContainText('Your browser blocked the microphone');
  await page.getByRole('button', { name: 'Play test sound' }).click();
  await page.getByRole('button', { name: 'No' }).click();
  await expect(page.getByTestId('speaker-result')).toContainText('Turn the volume up');
  await expect(page.getByTestId('overall-result')).toHaveText(/^Failed/, { timeout: 45_000 });
});

test('the device-test endpoints answer bad input with 4xx JSON, never 500', async ({ page }) => {
  // A device test from a launch: its results are read (without a session they are not even read).
  const integration = await seedIntegration();
  await page.goto(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT950' }, '&mode=devicetest'));
  const request = page.request;
  const notJson = await request.post('/api/device-test/result', { headers: { 'Content-Type': 'application/json' }, data: Buffer.from('{not json') });
  expect(notJson.status()).toBe(400);
  expect(await notJson.json()).toMatchObject({ error: 'bad_json' });

  const badBody = await request.post('/api/device-test/result', { data: { camera: 'Great', microphone: 'Passed', speaker: 'Passed' } });
  expect(badBody.status()).toBe(422);
  expect(await badBody.json()).toMatchObject({ error: 'invalid_input', issues: expect.arrayContaining([expect.objectContaining({ path: ['camera'] })]) });

  const report = { camera: 'Passed', microphone: 'Passed', speaker: 'Passed', network: { result: 'Passed', roundTripMs: 20, bitrateKbps: 9000 } };
  const forged = await fetch(`${process.env.E2E_BASE_URL}/api/device-test/result`, { method: 'POST', body: JSON.stringify(report), headers: { Cookie: 'tv_device_test=eyJ9.bm90LWEtbWFj' } });
  expect(forged.status).toBe(200);
  expect(await forged.json()).toEqual({ sent: false });
  const oversized = await request.post('/api/device-test/result', { data: { ...report, padding: 'x'.repeat(10_000) } });
  expect(oversized.status()).toBe(413);

  const ping = await request.get('/api/device-test/ping');
  expect(ping.status()).toBe(204);
  expect(ping.headers()['cache-control']).toContain('no-store');

  const download = await request.get('/api/device-test/payload?bytes=1000');
  expect(download.status()).toBe(200);
  expect((await download.body()).length).toBe(1000);
  for (const bytes of ['abc', '-1', '0', String(2 * 1024 * 1024 + 1)]) {
    const refused = await request.get(`/api/device-test/payload?bytes=${bytes}`);
    expect(refused.status(), bytes).toBe(422);
    expect(await refused.json()).toMatchObject({ error: 'invalid_input' });
  }

  const upload = await request.post('/api/device-test/payload', { data: Buffer.alloc(100_000, 7), headers: { 'Content-Type': 'application/octet-stream' } });
  expect(await upload.json()).toEqual({ received: 100_000 });
  const tooLarge = await request.post('/api/device-test/payload', { data: Buffer.alloc(2 * 1024 * 1024 + 1), headers: { 'Content-Type': 'application/octet-stream' } });
  expect(tooLarge.status()).toBe(413);
  expect(await tooLarge.json()).toMatchObject({ error: 'payload_too_large' });
});
