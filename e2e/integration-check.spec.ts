import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { query } from './support/database';
import { launchPath, sealForApp, seedIntegration, uniqueSessionId, type TestIntegration } from './support/epic';
import { startFakeEpic, type FakeEpic } from './support/fake-epic';

// "Check this integration" against the fake Epic: every check passes where everything is right,
// and each failure is produced for real (a closed port, a 401 for a wrong password, a slow
// endpoint, a link made with another secret, an issuer without smart-configuration, a clock ten
// minutes off, a private address in Production, an unsaved change). The relay check is in
// relay.spec.ts, beside a real coturn.

const BASIC = { name: 'emp$CHECK', password: 'the-right-password' };

function basicHeader(password: string): string {
  return `Basic ${Buffer.from(`${BASIC.name}:${password}`).toString('base64')}`;
}

async function runCheck(page: Page, launchLink = '') {
  if (launchLink) await page.getByLabel('A launch link from Epic (optional)').fill(launchLink);
  await page.getByRole('button', { name: 'Check this integration' }).click();
  const list = page.getByRole('list', { name: 'Integration check' });
  // The endpoints answer within the integration's timeout (NOTIFY_TIMEOUT_MS, 10 s here).
  await expect(list).toBeVisible({ timeout: 30_000 });
  return list;
}

/** The item of one check, found by its name. */
function item(list: ReturnType<Page['getByRole']>, name: string) {
  return list.locator(`li[data-check="${name}"]`);
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function linkFor(page: Page, integration: TestIntegration): string {
  return new URL(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Provider', ExternalID: 'EMP900' }), page.url()).toString();
}

test.describe('the integration check', () => {
  let epic: FakeEpic;
  test.beforeEach(async () => {
    epic = await startFakeEpic();
  });
  test.afterEach(async () => {
    await epic.close();
  });

  test('everything right: every check passes or says why it was skipped, the calls are in Notification Records and the check in the audit log', async ({ page }) => {
    epic.requiredAuthorization = basicHeader(BASIC.password);
    const integration = await seedIntegration({
      auth_type: 'basic',
      auth_name: BASIC.name,
      auth_password_sealed: sealForApp(BASIC.password, 'authPassword'),
      connection_status_url: `${epic.url}/status`,
      device_test_url: `${epic.url}/device-test`,
    });
    await page.goto(`/admin/settings?integration=${integration.id}`);
    const list = await runCheck(page, linkFor(page, integration));
    await expect(page.getByTestId('integration-check-status')).toHaveText('Every check that could run passed.');
    for (const name of ['Saved settings', 'Settings agree with each other', 'Launch link round trip', "Epic's launch link", 'Connection Status endpoint', 'Device Test endpoint', 'Clock']) {
      await expect(item(list, name)).toHaveText(new RegExp(`^Passed ${name}`));
    }
    await expect(item(list, 'OAuth')).toHaveText(/^Skipped OAuth/);
    await expect(item(list, 'Relay')).toHaveText(/^Skipped Relay/);

    // Two test calls with the saved authorization, recorded as tests; the device test one too.
    expect(epic.calls.map((call) => [call.path, call.answeredWith, call.json?.SessionID])).toEqual([
      ['/status', 200, 'TELEVISIT-TEST'],
      ['/device-test', 200, 'TELEVISIT-TEST'],
    ]);
    expect(await query('select kind, status, state, resp_code from notifications where integration_id = $1 and is_test order by seq', [integration.id])).toEqual([
      { kind: 'connection_status', status: 'Connected', state: 'delivered', resp_code: 200 },
      { kind: 'device_test', status: 'Passed', state: 'delivered', resp_code: 200 },
    ]);
    const [audit] = await query<{ detail: { passed: number; failed: number } }>("select detail from audit_log where action = 'integration.check' and target = $1", [`integration ${integration.encryptionKey}`]);
    expect(audit!.detail).toMatchObject({ failed: 0, passed: 7 });
    // Nothing of a launch was kept: no meeting, no launch-log row.
    expect(await query("select 1 from meetings where integration_id = $1", [integration.id])).toHaveLength(0);
  });

  test('each failure says why and what to do: a wrong password (401), a closed port, a link of another secret, a clock ten minutes off, an unsaved change', async ({ page }) => {
    epic.requiredAuthorization = basicHeader('what-Epic-really-has');
    epic.clockOffsetMs = -10 * 60_000;
    const integration = await seedIntegration({
      auth_type: 'basic',
      auth_name: BASIC.name,
      auth_password_sealed: sealForApp(BASIC.password, 'authPassword'),
      connection_status_url: `${epic.url}/status`,
      device_test_url: `http://127.0.0.1:${await closedPort()}/device-test`,
    });
    const otherSecret: TestIntegration = { ...integration, secret: randomBytes(32).toString('base64') };
    await page.goto(`/admin/settings?integration=${integration.id}`);
    await page.getByLabel('Vendor Name').fill('Televisit Health');
    const list = await runCheck(page, linkFor(page, otherSecret));
    await expect(page.getByTestId('integration-check-status')).toHaveText('5 checks failed.');

    await expect(item(list, 'Saved settings')).toHaveText(/^Failed Saved settings.*unsaved changes \(Vendor Name\).*What to do: Save the settings, then check again/);
    await expect(item(list, 'Connection Status endpoint')).toHaveText(/^Failed Connection Status endpoint.*refused the authorization \(HTTP 401\).*Auth Name and Auth Password/);
    await expect(item(list, 'Device Test endpoint')).toHaveText(/^Failed Device Test endpoint.*refused the connection: nothing listens at that port/);
    await expect(item(list, "Epic's launch link")).toHaveText(/^Failed Epic's launch link.*does not decrypt with the saved Encryption Secret/);
    await expect(item(list, 'Clock')).toHaveText(/^Failed Clock.*10 minutes ahead of Epic's.*NTP/);
    await expect(item(list, 'Launch link round trip')).toHaveText(/^Passed/);
    // The record of the refused call is one click away.
    await item(list, 'Connection Status endpoint').getByRole('link', { name: 'See the record of this call' }).click();
    await expect(page.getByText('401').first()).toBeVisible();
  });

  test('a slow endpoint is reported as timed out once the integration timeout passes', async ({ page }) => {
    test.setTimeout(90_000);
    epic.delayMs = 15_000;
    const integration = await seedIntegration({ connection_status_url: `${epic.url}/status` });
    await page.goto(`/admin/settings?integration=${integration.id}`);
    const list = await runCheck(page);
    await expect(item(list, 'Connection Status endpoint')).toHaveText(/^Failed Connection Status endpoint.*did not answer in time.*firewall/);
    await expect(item(list, 'Device Test endpoint')).toHaveText(/^Skipped Device Test endpoint/);
    await expect(item(list, 'Clock')).toHaveText(/^Skipped Clock/);
    await expect(item(list, "Epic's launch link")).toHaveText(/^Skipped/);
  });

  test('OAuth: the client ID and each issuer are checked, and an issuer without smart-configuration fails', async ({ page }) => {
    const bare = await startFakeEpic();
    bare.smartConfiguration = false;
    const integration = await seedIntegration({
      auth_type: 'oauth',
      oauth_client_id_test: 'televisit-check',
      oauth_issuers_test: [epic.fhirBase, bare.fhirBase],
      connection_status_url: `${epic.url}/status`,
    });
    await page.goto(`/admin/settings?integration=${integration.id}`);
    const list = await runCheck(page);
    await expect(item(list, 'OAuth client ID')).toHaveText(/^Passed OAuth client ID.*Test client ID is set/);
    await expect(item(list, `OAuth issuer ${epic.fhirBase}`)).toHaveText(/^Passed/);
    await expect(item(list, `OAuth issuer ${bare.fhirBase}`)).toHaveText(/^Failed .*HTTP 404: the issuer publishes no SMART configuration there/);
    await bare.close();
  });

  test('a Production integration: a private address is refused and an http endpoint contradicts the environment', async ({ page }) => {
    const integration = await seedIntegration({ epic_environment: 'Production', connection_status_url: `${epic.url}/status` });
    await page.goto(`/admin/settings?integration=${integration.id}`);
    const list = await runCheck(page);
    await expect(item(list, 'Connection Status endpoint')).toHaveText(/^Failed .*private address.*OUTGOING_PRIVATE_ALLOWLIST/);
    await expect(item(list, 'Settings agree with each other').first()).toHaveText(/^Failed .*Epic Connection Status Endpoint URL: The Production environment accepts https URLs only/);
    expect(epic.calls).toHaveLength(0);
  });
});
