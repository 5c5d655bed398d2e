import { expect, test, type Browser, type Page } from '@playwright/test';
import { query } from './support/database';
import { launchPath, seedIntegration, uniqueSessionId, type TestIntegration } from './support/epic';
import { startFakeEpic, type FakeEpic } from './support/fake-epic';

// Spec section 2: every connect and disconnect becomes one call to Epic's Connection Status endpoint.
let epic: FakeEpic;
test.beforeEach(async () => {
  epic = await startFakeEpic();
});
test.afterEach(async () => {
  await epic.close();
});

async function join(browser: Browser, integration: TestIntegration, fields: Parameters<typeof launchPath>[1]): Promise<Page> {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto(launchPath(integration, fields));
  return page;
}

function statusCalls() {
  return epic.calls.filter((call) => call.path === '/status' && call.answeredWith === 200);
}

test('a full visit tells Epic four things, in order, with the fields of the spec', async ({ browser }) => {
  const integration = await seedIntegration({ connection_status_url: `${epic.url}/status`, vendor_name: 'Televisit Health', epic_client_id: 'client-123' });
  const sessionId = uniqueSessionId();
  const patient = await join(browser, integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT100', ExternalIDType: 'MRN' });
  await expect(patient.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  await expect.poll(() => statusCalls().length).toBe(1);
  const provider = await join(browser, integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP100' });
  await expect(patient.getByTestId('remote-video')).toBeVisible();
  await expect.poll(() => statusCalls().length).toBe(2);
  await patient.context().close();
  await expect.poll(() => statusCalls().length).toBe(3);
  await provider.context().close();
  await expect.poll(() => statusCalls().length).toBe(4);

  const bodies = statusCalls().map((call) => call.json!);
  expect(bodies.map((body) => [body.UserType, body.ConnectionStatus])).toEqual([
    ['Patient', 'Connected'],
    ['Provider', 'Connected'],
    ['Patient', 'Disconnected'],
    ['Provider', 'Disconnected'],
  ]);
  expect(bodies[0]).toEqual({
    SessionID: sessionId,
    ExternalID: 'PAT100',
    ExternalIDType: 'MRN',
    UserType: 'Patient',
    ConnectionStatus: 'Connected',
    VendorName: 'Televisit Health',
    Timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
  });
  const timestamps = bodies.map((body) => Date.parse(String(body.Timestamp)));
  expect([...timestamps].sort((a, b) => a - b)).toEqual(timestamps);
  for (const call of statusCalls()) {
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers['epic-client-id']).toBe('client-123');
    expect(call.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(call.headers.authorization).toBeUndefined();
  }
  // Epic has answered the fourth; the worker records that answer a moment after.
  const rows = () => query<{ state: string; resp_code: number; attempts: number }>('select state, resp_code, attempts from notifications where integration_id = $1 order by seq', [integration.id]);
  await expect.poll(rows).toEqual(Array(4).fill({ state: 'delivered', resp_code: 200, attempts: 1 }));
});

test('Basic Authorization sends the Auth Name and Password, and Epic-Client-ID', async ({ browser }) => {
  const { sealSecret } = await import('../lib/secrets');
  const masterKey = Buffer.from(JSON.parse(process.env.E2E_APP_ENV!).TELEVISIT_MASTER_KEY, 'base64');
  const integration = await seedIntegration({
    connection_status_url: `${epic.url}/status`,
    auth_type: 'basic',
    auth_name: 'emp$TELEVISIT',
    auth_password_sealed: sealSecret('s3cret-pass', 'authPassword', masterKey),
    epic_client_id: 'abc-client',
  });
  const patient = await join(browser, integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT200' });
  await expect.poll(() => statusCalls().length).toBe(1);
  const [call] = statusCalls();
  expect(call!.headers.authorization).toBe(`Basic ${Buffer.from('emp$TELEVISIT:s3cret-pass').toString('base64')}`);
  expect(call!.headers['epic-client-id']).toBe('abc-client');
  const [attempt] = await query<{ request_headers: Record<string, string> }>(
    'select a.request_headers from notification_attempts a join notifications n on n.id = a.notification_id where n.integration_id = $1',
    [integration.id],
  );
  expect(attempt!.request_headers.Authorization).toBe('Basic [redacted]');
  await patient.context().close();
});

test('Epic answering 503 for a while: every notification arrives once, in order, with the failed attempts recorded', async ({ browser }) => {
  const integration = await seedIntegration({ connection_status_url: `${epic.url}/status` });
  epic.answerWith(503);
  const sessionId = uniqueSessionId();
  const patient = await join(browser, integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT300' });
  await expect(patient.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  await patient.context().close();
  // Both the connect and the disconnect are waiting behind Epic's 503s.
  await expect.poll(() => epic.calls.filter((call) => call.answeredWith === 503).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
  epic.answerWith(200);
  await expect.poll(() => statusCalls().length, { timeout: 20_000 }).toBe(2);
  expect(statusCalls().map((call) => call.json!.ConnectionStatus)).toEqual(['Connected', 'Disconnected']);
  // Only the first of this participant's notifications was tried while Epic failed: order holds.
  const disconnectedTries = epic.calls.filter((call) => call.json?.ConnectionStatus === 'Disconnected');
  expect(disconnectedTries.map((call) => call.answeredWith)).toEqual([200]);
  await expect.poll(async () => (await query('select 1 from notifications where integration_id = $1 and state = $2', [integration.id, 'delivered'])).length).toBe(2);
  const attempts = await query<{ status: string; resp_code: number }>(
    `select n.status, a.resp_code from notification_attempts a join notifications n on n.id = a.notification_id
     where n.integration_id = $1 order by a.id`,
    [integration.id],
  );
  const connected = attempts.filter((attempt) => attempt.status === 'Connected').map((attempt) => attempt.resp_code);
  expect(connected.length).toBeGreaterThanOrEqual(2);
  expect(connected.slice(0, -1).every((code) => code === 503)).toBe(true);
  expect(connected.at(-1)).toBe(200);
  const keys = new Set(statusCalls().map((call) => call.headers['idempotency-key']));
  expect(keys.size).toBe(2);
  const retriedKeys = new Set(epic.calls.filter((call) => call.json?.ConnectionStatus === 'Connected').map((call) => call.headers['idempotency-key']));
  expect(retriedKeys.size).toBe(1);
});

test('401 is final: recorded once, never retried', async ({ browser }) => {
  const integration = await seedIntegration({ connection_status_url: `${epic.url}/status` });
  epic.answerWith(401);
  const patient = await join(browser, integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT400' });
  await expect
    .poll(async () => (await query<{ state: string }>('select state from notifications where integration_id = $1', [integration.id]))[0]?.state)
    .toBe('failed');
  // The patient leaves: the worker sends the next notification of this participant (it goes after
  // the first, in order), so by the time Epic hears it, the first had every chance to be retried.
  await patient.context().close();
  await expect.poll(() => epic.calls.some((call) => call.json?.ExternalID === 'PAT400' && call.json?.ConnectionStatus === 'Disconnected')).toBe(true);
  expect(epic.calls.filter((call) => call.json?.ExternalID === 'PAT400' && call.json?.ConnectionStatus === 'Connected')).toHaveLength(1);
  const [row] = await query<{ resp_code: number; attempts: number }>('select resp_code, attempts from notifications where integration_id = $1 order by seq limit 1', [integration.id]);
  expect(row).toEqual({ resp_code: 401, attempts: 1 });
});

test('without an endpoint the notification is kept as not sent', async ({ browser }) => {
  const integration = await seedIntegration();
  const patient = await join(browser, integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT500' });
  await expect
    .poll(async () => (await query<{ state: string }>('select state from notifications where integration_id = $1', [integration.id]))[0]?.state)
    .toBe('not_sent');
  await patient.context().close();
});
