import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { query } from './support/database';
import { launchPath, sealForApp, seedIntegration, uniqueSessionId } from './support/epic';
import { startFakeEpic } from './support/fake-epic';

// What leaves this server for Epic: a stored secret goes only to the hosts it was saved for, and a
// test notification carries nobody's token.

async function save(page: Page) {
  await page.getByRole('button', { name: 'Save Changes' }).click();
}

test('pointing an endpoint at a new host needs the Auth Password again, and the old password never goes there', async ({ page }) => {
  const owned = await startFakeEpic();
  const elsewhere = await startFakeEpic();
  const integration = await seedIntegration({
    auth_type: 'basic',
    auth_name: 'emp$OWNER',
    auth_password_sealed: sealForApp('owner-only-pass', 'authPassword'),
    connection_status_url: `${owned.url}/status`,
  });
  const [before] = await query<{ auth_password_sealed: string }>('select auth_password_sealed from integrations where id = $1', [integration.id]);

  await page.goto(`/admin/settings?integration=${integration.id}`);
  await page.getByLabel('Epic Connection Status Endpoint URL').fill(`${elsewhere.url}/status`);
  await save(page);
  await expect(page.locator('#authPassword-error')).toContainText('enter the Auth Password again');
  expect(await query('select connection_status_url, auth_password_sealed from integrations where id = $1', [integration.id])).toEqual([
    { connection_status_url: `${owned.url}/status`, auth_password_sealed: before!.auth_password_sealed },
  ]);

  // Entering it in the same save keeps Basic Authorization: whoever types it knows it.
  await page.getByLabel('Auth Password').fill('a-new-pass-for-the-new-host');
  await save(page);
  await expect(page.getByTestId('save-status')).toHaveText(/Settings saved/);
  await page.getByRole('button', { name: 'Send test notification' }).click();
  await expect(page.getByTestId('test-notification-result')).toContainText('HTTP 200');
  const authorization = elsewhere.calls.at(-1)!.headers.authorization!;
  expect(Buffer.from(authorization.replace('Basic ', ''), 'base64').toString()).toBe('emp$OWNER:a-new-pass-for-the-new-host');
  await owned.close();
  await elsewhere.close();
});

test('adding an issuer on a new host removes the stored OAuth client secret unless it is entered again', async ({ page }) => {
  const integration = await seedIntegration({
    auth_type: 'oauth',
    oauth_client_id_test: 'televisit-test',
    oauth_issuers_test: ['https://fhir.owner.example/api/FHIR/R4'],
    oauth_client_secret_sealed: sealForApp('client-secret-of-the-owner', 'oauthClientSecret'),
  });
  await page.goto(`/admin/settings?integration=${integration.id}`);
  // Another path on the same host keeps the secret.
  await page.getByLabel('Allowed Epic FHIR base URLs (Test)', { exact: false }).fill('https://fhir.owner.example/api/FHIR/R4\nhttps://fhir.owner.example/other/R4');
  await save(page);
  await expect(page.getByTestId('save-status')).toHaveText(/Settings saved/);
  expect((await query<{ sealed: string | null }>('select oauth_client_secret_sealed as sealed from integrations where id = $1', [integration.id]))[0]!.sealed).not.toBeNull();

  await page.getByLabel('Allowed Epic FHIR base URLs (Test)', { exact: false }).fill('https://fhir.owner.example/api/FHIR/R4\nhttps://attacker.example/fhir');
  await save(page);
  await expect(page.getByTestId('save-status')).toContainText('the stored OAuth client secret was removed');
  expect((await query<{ sealed: string | null }>('select oauth_client_secret_sealed as sealed from integrations where id = $1', [integration.id]))[0]!.sealed).toBeNull();
  const [audit] = await query<{ changed_fields: string[] }>("select changed_fields from audit_log where target = $1 order by id desc limit 1", [`integration ${integration.encryptionKey}`]);
  expect(audit!.changed_fields).toContain('oauthClientSecret');
});

test("a test notification with OAuth carries no participant's access token", async ({ page }) => {
  const epic = await startFakeEpic();
  const integration = await seedIntegration({ auth_type: 'oauth', oauth_client_id_test: 'televisit-test', oauth_issuers_test: [epic.fhirBase], connection_status_url: `${epic.url}/status` });
  await query('insert into epic_access_tokens (ordering_key, access_token_sealed, expires_at, integration_id) values ($1, $2, $3, $4)', [
    `outbound-${integration.id}`,
    sealForApp('patient-access-token-123', 'epicAccessToken'),
    new Date(Date.now() + 3_600_000),
    integration.id,
  ]);
  await page.goto(`/admin/settings?integration=${integration.id}`);
  await page.getByRole('button', { name: 'Send test notification' }).click();
  await expect(page.getByTestId('test-notification-result')).toContainText('HTTP 200');
  const call = epic.calls.find((received) => received.json?.SessionID === 'TELEVISIT-TEST');
  expect(call!.headers.authorization).toBeUndefined();
  await epic.close();
});

test('one address is limited at /launch while others go on, and its refused links write a bounded number of rows', async ({ playwright, baseURL }) => {
  const limit = Number(JSON.parse(process.env.E2E_APP_ENV!).LAUNCH_RATE_PER_MINUTE);
  const flooder = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { 'X-Forwarded-For': '203.0.113.50' } });
  const key = `flood-${Date.now()}`;
  // Until the limit answers (the bucket refills 1/60 of the limit per second meanwhile).
  const answers: Array<{ status: number; retryAfter?: string }> = [];
  for (let batch = 0; !answers.some((answer) => answer.status === 429) && batch < 40; batch++) {
    answers.push(
      ...(await Promise.all(Array.from({ length: 50 }, () => flooder.get(`/launch?key=${key}&data=abc`).then((response) => ({ status: response.status(), retryAfter: response.headers()['retry-after'] }))))),
    );
  }
  expect(answers.slice(0, limit).every((answer) => answer.status === 400)).toBe(true);
  const throttled = answers.find((answer) => answer.status === 429);
  expect(Number(throttled?.retryAfter)).toBeGreaterThan(0);
  expect(answers.length).toBeLessThan(limit * 1.5);

  const neighbour = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { 'X-Forwarded-For': '203.0.113.51' } });
  expect((await neighbour.get(`/launch?key=${key}&data=abc`)).status()).toBe(400);

  // Hundreds refused from one address, a handful of rows; the rest are counted.
  const [rows] = await query<{ count: number }>('select count(*)::int as count from launch_log where encryption_key = $1', [key]);
  expect(rows!.count).toBeGreaterThan(0);
  expect(rows!.count).toBeLessThanOrEqual(25);
  const metricsText = await (await neighbour.get('/metrics', { headers: { Authorization: `Bearer ${JSON.parse(process.env.E2E_APP_ENV!).METRICS_TOKEN}` } })).text();
  expect(Number(/televisit_launch_log_suppressed_total (\d+)/.exec(metricsText)?.[1])).toBeGreaterThanOrEqual(limit - 25);
  expect(metricsText).toMatch(/televisit_launches_total\{outcome="rate_limited"\} [1-9]/);
  await flooder.dispose();
  await neighbour.dispose();
});

test("a refused launch's log line carries no patient identifier; the launch log row keeps it for the analyst", async ({ request }) => {
  const integration = await seedIntegration();
  const externalId = `PATLOG${Date.now()}`;
  const expired = String(Math.floor(Date.now() / 1000) - 7 * 24 * 3600);
  const response = await request.get(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: externalId, Timestamp: expired }));
  expect(response.status()).toBe(400);
  const [row] = await query<{ outcome: string; epic_user_id: string }>('select outcome, epic_user_id from launch_log where encryption_key = $1', [integration.encryptionKey]);
  expect(row).toEqual({ outcome: 'expired', epic_user_id: externalId });
  const logFile = path.resolve('test-results/app-server.log');
  await expect.poll(() => readFileSync(logFile, 'utf8').split('\n').some((line) => line.includes('launch refused') && line.includes(integration.encryptionKey))).toBe(true);
  expect(readFileSync(logFile, 'utf8')).not.toContain(externalId);
});

test("an OAuth callback with error= and someone's state does not cancel their launch without their browser's cookie", async ({ browser }) => {
  const epic = await startFakeEpic();
  const integration = await seedIntegration({ auth_type: 'oauth', oauth_client_id_test: 'televisit-test', oauth_issuers_test: [epic.fhirBase], connection_status_url: `${epic.url}/status` });
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const link = launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT900', LaunchCode: epic.issueLaunchCode() }, `&iss=${encodeURIComponent(epic.fhirBase)}`);
  const launch = await context.request.get(link, { maxRedirects: 0 });
  expect(launch.status()).toBe(303);
  const authorize = await context.request.get(launch.headers()['location']!, { maxRedirects: 0 });
  const callback = authorize.headers()['location']!;
  const state = new URL(callback).searchParams.get('state')!;

  const stranger = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const refusal = await stranger.request.get(`/launch/oauth-callback?error=access_denied&state=${encodeURIComponent(state)}`);
  expect(refusal.status()).toBe(400);
  expect(await query('select state from oauth_launches where state = $1', [state])).toHaveLength(1);

  const page = await context.newPage();
  await page.goto(callback);
  await expect(page.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  await stranger.close();
  await context.close();
  await epic.close();
});

test('client_secret_basic sends base64 of the raw id:secret for a hyphenated client ID, and the form-encoded form when chosen', async ({ browser }) => {
  const epic = await startFakeEpic();
  epic.clientSecret = 'launcher-s3cret';
  const integration = await seedIntegration({
    auth_type: 'oauth',
    oauth_client_id_test: 'televisit-test-0b6f-4c1e',
    oauth_issuers_test: [epic.fhirBase],
    oauth_client_secret_sealed: sealForApp('launcher-s3cret', 'oauthClientSecret'),
  });
  const launch = async (externalId: string) => {
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    await page.goto(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: externalId, LaunchCode: epic.issueLaunchCode() }, `&iss=${encodeURIComponent(epic.fhirBase)}`));
    await expect(page.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
    await context.close();
  };
  // The fake compares raw strings, as smart-launcher-v2 does.
  await launch('PAT910');
  expect(epic.tokenAuthorizations.at(-1)).toBe(`Basic ${Buffer.from('televisit-test-0b6f-4c1e:launcher-s3cret').toString('base64')}`);

  epic.basicAuthDecoding = 'form';
  await query("update integrations set oauth_client_auth = 'client_secret_basic_encoded' where id = $1", [integration.id]);
  await query("select pg_notify('televisit', 'settings')");
  await launch('PAT911');
  expect(epic.tokenAuthorizations.at(-1)).toBe(`Basic ${Buffer.from('televisit%2Dtest%2D0b6f%2D4c1e:launcher%2Ds3cret').toString('base64')}`);
  await epic.close();
});

test('a refresh whose id_token cannot be validated still renews the access token, and the rotated refresh token is kept', async ({ browser }) => {
  const epic = await startFakeEpic();
  epic.issueRefreshTokens = true;
  // Inside the renewal margin, so the first notification renews it.
  epic.tokenLifetimeSeconds = 30;
  // As smart-launcher-v2 answers a refresh: an id_token without `aud`.
  epic.refreshIdToken = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"iss":"somewhere"}').toString('base64url')}.`;
  const integration = await seedIntegration({ auth_type: 'oauth', oauth_client_id_test: 'televisit-test', oauth_issuers_test: [epic.fhirBase], connection_status_url: `${epic.url}/status` });
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT920', LaunchCode: epic.issueLaunchCode() }, `&iss=${encodeURIComponent(epic.fhirBase)}`));
  await expect(page.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  await expect.poll(() => epic.calls.filter((call) => call.path === '/status').length).toBe(1);
  expect(epic.tokensIssued).toHaveLength(2);
  expect(epic.calls[0]!.headers.authorization).toBe(`Bearer ${epic.tokensIssued[1]}`);
  const [stored] = await query<{ expires_at: Date }>('select expires_at from epic_access_tokens where integration_id = $1', [integration.id]);
  expect(stored!.expires_at.getTime()).toBeGreaterThan(Date.now());
  await context.close();
  await epic.close();
});

test('"Remove the client secret" takes an integration back to a public client', async ({ page }) => {
  const integration = await seedIntegration({
    auth_type: 'oauth',
    oauth_client_id_test: 'televisit-test',
    oauth_issuers_test: ['https://fhir.owner.example/api/FHIR/R4'],
    oauth_client_secret_sealed: sealForApp('a-secret-no-longer-wanted', 'oauthClientSecret'),
  });
  await page.goto(`/admin/settings?integration=${integration.id}`);
  await page.getByLabel('Remove the client secret').check();
  await save(page);
  await expect(page.getByTestId('save-status')).toContainText('The OAuth client secret was removed.');
  expect((await query<{ sealed: string | null }>('select oauth_client_secret_sealed as sealed from integrations where id = $1', [integration.id]))[0]!.sealed).toBeNull();
  await page.reload();
  await expect(page.getByLabel('Remove the client secret')).toHaveCount(0);
});
