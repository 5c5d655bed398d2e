import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { OWNER } from './support/admin';
import { query } from './support/database';
import { launchPath, seedIntegration, uniqueSessionId } from './support/epic';
import { startFakeEpic } from './support/fake-epic';
import { eventually, launchVisitor, openStream } from './support/visit';
import { expectRemoteVideoPlaying } from './support/webrtc';

// Visits that end, data that goes, and what the admin sees (issue: the life of a visit). The
// admin's storage state is the default; patients and providers get contexts of their own.

test.describe.configure({ mode: 'serial' });

test('the server settings are saved, audited, and refused with a message when out of range', async ({ page }) => {
  await page.goto('/admin/server');
  await page.getByLabel('End a visit after nobody is in it for (minutes)').fill('0');
  await page.getByLabel('Keep the audit log for (days)').fill('30');
  await page.getByRole('button', { name: 'Save server settings' }).click();
  await expect(page.locator('#idleMinutes-error')).toHaveText('At least 1 minutes');
  await expect(page.locator('#auditDays-error')).toHaveText('At least 365 days');
  await page.getByLabel('End a visit after nobody is in it for (minutes)').fill('1');
  await page.getByLabel('Keep the audit log for (days)').fill('730');
  await page.getByRole('button', { name: 'Save server settings' }).click();
  await expect(page.getByTestId('server-settings-status')).toHaveText('Server settings saved (1 changed).');
  expect(await query('select idle_minutes from server_settings')).toEqual([{ idle_minutes: 1 }]);
  const [audit] = await query<{ actor_email: string; changed_fields: string[] }>("select actor_email, changed_fields from audit_log where action = 'server-settings.update' order by id desc limit 1");
  expect(audit).toEqual({ actor_email: OWNER.email, changed_fields: ['idleMinutes'] });
});

test('a visit everyone left without pressing End ends by itself: Epic hears it, the patient record goes', async ({ browser }) => {
  const epic = await startFakeEpic();
  const integration = await seedIntegration({ connection_status_url: `${epic.url}/status` });
  const sessionId = uniqueSessionId();
  const patient = await openVisitor(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT300', FirstName: 'Ivy' }));
  const provider = await openVisitor(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP300' }));
  await expectRemoteVideoPlaying(patient);
  const meetingId = new URL(patient.url()).pathname.split('/').pop()!;
  // Both close their tabs.
  await patient.context().close();
  await provider.context().close();
  await expect.poll(async () => (await query<{ empty_since: Date | null }>('select empty_since from meetings where id = $1', [meetingId]))[0]?.empty_since).not.toBeNull();
  // The idle time (1 minute, set above) passes: here the clock is moved, not waited for.
  await query("update meetings set empty_since = empty_since - interval '2 minutes' where id = $1", [meetingId]);
  await expect.poll(async () => (await query<{ state: string; ended_by: string }>('select state, ended_by from meetings where id = $1', [meetingId]))[0], { timeout: 15_000 }).toEqual({ state: 'ended', ended_by: 'idle' });
  expect(await query("select id from participants where meeting_id = $1 and user_type = 'Patient'", [meetingId])).toEqual([]);
  await expect.poll(() => epic.calls.map((call) => `${call.json?.ExternalID}:${call.json?.ConnectionStatus}`).sort()).toEqual(['EMP300:Connected', 'EMP300:Disconnected', 'PAT300:Connected', 'PAT300:Disconnected']);
  await epic.close();
  await query('update server_settings set idle_minutes = 15');
});

test('Remove asks first and can be undone: the removed patient is let back in without doing anything', async ({ browser }) => {
  const integration = await seedIntegration({ admittance_policy: 'manual' });
  const sessionId = uniqueSessionId();
  const provider = await openVisitor(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP301', FirstName: 'Sam' }));
  const patient = await openVisitor(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT301', FirstName: 'Bo' }));
  const waitingRoom = provider.getByRole('region', { name: 'Waiting room' });
  await expect(waitingRoom).toContainText('Bo is waiting');
  provider.once('dialog', (dialog) => void dialog.dismiss());
  await waitingRoom.getByRole('button', { name: 'Remove Bo' }).click();
  await expect(patient.getByTestId('visit-status')).toContainText('Your provider will let you in soon');
  provider.once('dialog', (dialog) => {
    expect(dialog.message()).toBe('Remove Bo from the visit? You can let them back in.');
    void dialog.accept();
  });
  await waitingRoom.getByRole('button', { name: 'Remove Bo' }).click();
  await expect(patient.getByText('You are not in the visit right now.')).toBeVisible();
  await waitingRoom.getByRole('button', { name: 'Let Bo back in' }).click();
  await expectRemoteVideoPlaying(patient);
  await expectRemoteVideoPlaying(provider);
  await provider.context().close();
  await patient.context().close();
});

test('a provider who opens an ended visit is told so and may start it again; patients then join the new meeting', async ({ browser, baseURL }) => {
  const integration = await seedIntegration();
  const sessionId = uniqueSessionId();
  const providerLink = launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP302' });
  const first = await launchVisitor(baseURL!, integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP302' });
  const stream = await openStream(baseURL!, first);
  await eventually(() => stream.state());
  await fetch(`${baseURL}/api/visits/${first.meetingId}/actions`, { method: 'POST', headers: { Cookie: first.cookie }, body: JSON.stringify({ action: 'end' }) });
  stream.close();

  const provider = await openVisitor(browser, providerLink);
  await expect(provider.getByRole('heading', { name: 'This visit has ended.' })).toBeVisible();
  await provider.getByRole('button', { name: 'Start a new visit' }).click();
  await expect(provider).toHaveURL(/\/visit\/[0-9a-f-]{36}$/);
  const secondMeeting = new URL(provider.url()).pathname.split('/').pop()!;
  expect(secondMeeting).not.toBe(first.meetingId);
  expect(await query('select generation from meetings where id = $1', [secondMeeting])).toEqual([{ generation: 2 }]);
  const patient = await launchVisitor(baseURL!, integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT302' });
  expect(patient.meetingId).toBe(secondMeeting);
  await provider.context().close();
});

test('the Visits table: search, filter, the green light, and ending a stuck visit, at 1280 and 360 px', async ({ page, baseURL }) => {
  const epic = await startFakeEpic();
  const integration = await seedIntegration({ connection_status_url: `${epic.url}/status` });
  const sessionId = uniqueSessionId();
  const patient = await launchVisitor(baseURL!, integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT303', FirstName: 'Kai' });
  const stream = await openStream(baseURL!, patient);
  await expect.poll(() => epic.calls.length).toBe(1);

  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/admin/visits');
    await page.getByLabel('Meeting ID, SessionID or ConferenceID').fill(sessionId);
    await page.getByLabel('State').selectOption('waiting');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL(new RegExp(`q=${sessionId}.*state=waiting`));
    const row = page.getByRole('row', { name: `Session ${sessionId}` });
    await expect(row).toBeVisible();
    await expect(row.getByTestId('green-light')).toHaveText('Epic told Connected (RespCode 200)');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  }
  await page.goto(`/admin/visits?q=${sessionId}&state=ended`);
  await expect(page.getByRole('row', { name: `Session ${sessionId}` })).toHaveCount(0);

  await page.goto(`/admin/visits?q=${sessionId}`);
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: `End visit Session ${sessionId}` }).click();
  await expect(page.getByRole('row', { name: `Session ${sessionId}` })).toContainText('by an admin');
  await stream.ended;
  expect(await query("select action, target from audit_log where action = 'visit.end' and target = $1", [`meeting ${patient.meetingId}`])).toHaveLength(1);
  await expect.poll(() => epic.calls.map((call) => call.json?.ConnectionStatus)).toEqual(['Connected', 'Disconnected']);
  await epic.close();
});

test('Notification Records show delivery health, and "only failures" finds calls that failed before they went through', async ({ page, browser }) => {
  const epic = await startFakeEpic();
  const integration = await seedIntegration({ connection_status_url: `${epic.url}/status` });
  const sessionId = uniqueSessionId();
  epic.failNext(503, 1);
  const patient = await openVisitor(browser, launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT304' }));
  await expect(patient.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  await expect.poll(async () => (await query<{ state: string; attempts: number }>('select state, attempts from notifications where session_id = $1', [sessionId]))[0]).toEqual({ state: 'delivered', attempts: 2 });
  await page.goto(`/admin/notifications?q=${sessionId}&failures=1`);
  await expect(page.getByRole('table', { name: 'Notification records' }).getByRole('row')).toHaveCount(2);
  await expect(page.getByTestId('health-totals')).toContainText('Delivered after retries, or retrying:');
  await expect(page.getByRole('img', { name: 'Notifications per hour: delivered, retried and failed' })).toBeVisible();
  await expect(page.getByTestId('oldest-pending')).toBeVisible();
  await patient.context().close();
  await epic.close();
});

test('Send test notification makes one real call with the saved settings, recorded and marked as a test', async ({ page }) => {
  const epic = await startFakeEpic();
  await query('update integrations set connection_status_url = $1, auth_type = $2 where id = (select id from integrations order by created_at limit 1)', [`${epic.url}/status`, 'none']);
  await page.goto('/admin/settings');
  await page.getByRole('button', { name: 'Send test notification' }).click();
  await expect(page.getByTestId('test-notification-result')).toContainText('Epic answered HTTP 200.');
  // Notifications of earlier specs still retrying for this integration go to the endpoint just
  // saved as well: look at the test call alone.
  const testCalls = epic.calls.filter((call) => call.json?.SessionID === 'TELEVISIT-TEST');
  expect(testCalls).toHaveLength(1);
  expect(testCalls[0]!.json).toMatchObject({ SessionID: 'TELEVISIT-TEST', ExternalID: 'TELEVISIT-TEST', ConnectionStatus: 'Connected' });
  expect(await query("select state, resp_code, is_test from notifications where session_id = 'TELEVISIT-TEST' order by seq desc limit 1")).toEqual([{ state: 'delivered', resp_code: 200, is_test: true }]);
  await page.getByRole('link', { name: 'See the record' }).click();
  await expect(page.getByText('TELEVISIT-TEST').first()).toBeVisible();
  await epic.close();
});

test('/metrics answers Prometheus with the bearer token only, and the logs are JSON with request ids and no patient names', async ({ request, baseURL }) => {
  expect((await request.get('/metrics')).status()).toBe(401);
  expect((await request.get('/metrics', { headers: { Authorization: 'Bearer wrong-token-0123456789' } })).status()).toBe(401);
  const integration = await seedIntegration();
  await launchVisitor(baseURL!, integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT305', FirstName: 'Zebulon' });
  const refused = await request.get('/launch?key=unknownkey1&data=abc');
  const requestId = refused.headers()['x-request-id'];
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

  const scraped = await request.get('/metrics', { headers: { Authorization: `Bearer ${JSON.parse(process.env.E2E_APP_ENV!).METRICS_TOKEN}` } });
  expect(scraped.status()).toBe(200);
  const text = await scraped.text();
  for (const metric of ['televisit_active_visits ', 'televisit_connected_participants ', 'televisit_launches_total{outcome="ok"}', 'televisit_launches_total{outcome="unknown_key"}', 'televisit_notifications{', 'televisit_outbox_oldest_pending_seconds ', 'televisit_notification_delivery_seconds_bucket{']) {
    expect(text, metric).toContain(metric);
  }

  const lines = readFileSync(path.resolve('test-results/app-server.log'), 'utf8').split('\n').filter((line) => line.startsWith('{'));
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(entries.some((entry) => entry.requestId === requestId && entry.msg === 'launch refused')).toBe(true);
  expect(lines.join('\n')).not.toContain('Zebulon');
});

async function openVisitor(browser: Browser, link: string): Promise<Page> {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] }, viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  await page.goto(link);
  return page;
}
