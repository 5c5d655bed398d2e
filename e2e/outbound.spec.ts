import { expect, test, type Page } from '@playwright/test';
import { query } from './support/database';
import { sealForApp, seedIntegration } from './support/epic';
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
