import { randomBytes } from 'node:crypto';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { encryptLaunchData, launchKeyFromSecret } from '../lib/epic/launch-token';
import { openSecret } from '../lib/secrets';
import { OWNER } from './support/admin';
import { query } from './support/database';
import { launchPath, seedIntegration, uniqueSessionId } from './support/epic';

// The default storageState is the signed-in admin; patients and providers get contexts of their own.

test('a launched visit appears on the Visits page with its session ID, meeting ID, the patient and the green light', async ({ page, browser }) => {
  const integration = await seedIntegration();
  const sessionId = uniqueSessionId();
  const patientId = uniqueId('PAT');
  const patient = await openAsVisitor(
    browser,
    launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: patientId, FirstName: 'Rita', LastName: 'Vance' }),
  );
  await expect(patient.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  const meetingId = new URL(patient.url()).pathname.split('/').pop()!;

  await page.goto(`/admin/visits?q=${sessionId}`);
  const visit = page.getByRole('row', { name: `Session ${sessionId}` });
  await expect(visit.getByTestId('meeting-id')).toHaveText(meetingId);
  await expect(visit).toContainText('waiting');
  await expect(visit).toContainText('host@hospital.example (default host)');
  const person = visit.getByTestId('participant').filter({ hasText: patientId });
  await expect(person).toContainText('Rita Vance (Patient');
  await expect(person).toContainText('waiting');
  // The patient's push stream opens just after the page: connected once it has.
  await expect(async () => {
    await page.reload();
    await expect(person).toContainText(' · Connected · ', { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(visit.getByTestId('people-count')).toHaveText('1 connected of 1');
  // Without an endpoint, the green light's call is recorded as not sent.
  await expect(person.getByTestId('green-light')).toHaveText('Epic told Connected (not_sent, RespCode 0)');

  const meetings = await query('select session_id, state from meetings where id = $1', [meetingId]);
  expect(meetings).toEqual([{ session_id: sessionId, state: 'waiting' }]);
  await patient.context().close();
});

test('a refused launch is in the launch log with its cause, and the refused filter hides accepted launches', async ({ page }) => {
  const integration = await seedIntegration();
  const sessionId = uniqueSessionId();
  const patientId = uniqueId('PAT');
  const accepted = await launch(launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: patientId }));
  expect(accepted.status).toBe(303);

  const plaintext = `SessionID=${sessionId}&UserType=Patient&ExternalID=${patientId}&Timestamp=${Math.floor(Date.now() / 1000)}`;
  const ciphertext = Buffer.from(encryptLaunchData(plaintext, launchKeyFromSecret(integration.secret, 'AES-256-CBC'), 'AES-256-CBC'), 'base64');
  // The last byte of the next-to-last block is XORed into the padding length: the padding can no longer be valid.
  ciphertext[ciphertext.length - 17]! ^= 0x01;
  const refused = await launch(`/launch?key=${integration.encryptionKey}&data=${encodeURIComponent(ciphertext.toString('base64'))}`);
  expect(refused.status).toBe(400);

  const logged = await query<{ outcome: string }>('select outcome from launch_log where encryption_key = $1 order by id', [integration.encryptionKey]);
  expect(logged.map((entry) => entry.outcome)).toEqual(['ok', expect.stringMatching(/^(decrypt_failed|bad_encoding)$/)]);

  await page.goto('/admin/launch-log');
  const rows = page.getByRole('row').filter({ hasText: integration.encryptionKey });
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0).getByRole('cell').nth(2)).toHaveText(/^(decrypt_failed|bad_encoding)$/);
  await expect(rows.nth(1).getByRole('cell').nth(2)).toHaveText('ok');
  await expect(rows.nth(1)).toContainText(sessionId);
  await expect(rows.nth(1)).toContainText(patientId);

  await page.getByRole('link', { name: 'Only refused launches' }).click();
  await expect(page).toHaveURL(/\/admin\/launch-log\?refused=1$/);
  await expect(page.getByRole('link', { name: 'Only refused launches' })).toHaveAttribute('aria-current', 'page');
  await expect(rows).toHaveCount(1);
  await expect(rows.getByRole('cell').nth(2)).toHaveText(/^(decrypt_failed|bad_encoding)$/);
  await expect(page.getByRole('cell', { name: 'ok', exact: true })).toHaveCount(0);
});

test('the link generator builds a patient link that reaches the waiting room, and shows field errors beside the field', async ({ page, browser }) => {
  // The generator uses the primary integration (the oldest row), whichever spec saved it.
  const [{ total } = { total: 0 }] = await query<{ total: number }>('select count(*)::int as total from integrations');
  if (total === 0) await seedIntegration();
  const [primary] = await query<{ encryption_key: string; encryption_secret_sealed: string }>(
    'select encryption_key, encryption_secret_sealed from integrations order by created_at limit 1',
  );
  const masterKey = Buffer.from(JSON.parse(process.env.E2E_APP_ENV!).TELEVISIT_MASTER_KEY, 'base64');
  const secret = openSecret(primary!.encryption_secret_sealed, 'encryptionSecret', masterKey);

  await page.goto('/admin/launch-links');
  await expect(page.getByLabel('SessionID')).toHaveValue(/^\d{11}$/);
  await page.getByLabel('ExternalID').fill('PAT 1');
  await page.getByRole('button', { name: 'Generate link' }).click();
  await expect(page.locator('#externalId-error')).toHaveText('An ExternalID is letters and digits only');
  await expect(page.getByLabel('ExternalID')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Launch link', { exact: true })).toHaveCount(0);

  const sessionId = uniqueSessionId();
  const patientId = uniqueId('PAT');
  await page.getByLabel('User Type').selectOption('Patient');
  await page.getByLabel('SessionID').fill(sessionId);
  await page.getByLabel('ExternalID').fill(patientId);
  await page.getByLabel('FirstName (optional)').fill('Gene');
  await page.getByLabel('LastName (optional)').fill('Rated');
  await page.getByRole('button', { name: 'Generate link' }).click();
  await expect(page.locator('#externalId-error')).toHaveText('');

  const plaintext = page.getByLabel('Plaintext before encryption');
  await expect(plaintext).toHaveValue(/UserType=Patient/);
  await expect(plaintext).toHaveValue(
    new RegExp(`^SessionID=${sessionId}&UserType=Patient&ExternalID=${patientId}&FirstName=Gene&LastName=Rated&Timestamp=\\d{10}&LinkValidityPeriod=60$`),
  );
  const link = await page.getByLabel('Launch link', { exact: true }).inputValue();
  expect(link.startsWith(`http://127.0.0.1:3210/launch?key=${encodeURIComponent(primary!.encryption_key)}&data=`)).toBe(true);
  const open = page.getByRole('link', { name: 'Open', exact: true });
  await expect(open).toHaveAttribute('href', link);
  await expect(open).toHaveAttribute('target', '_blank');
  await expect(open).toHaveAttribute('rel', 'noreferrer');
  expect(await page.content()).not.toContain(secret);

  const patient = await openAsVisitor(browser, link);
  await expect(patient).toHaveURL(/\/visit\/[0-9a-f-]{36}$/);
  await expect(patient.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');
  const launches = await query('select outcome, user_type from launch_log where session_id = $1 and epic_user_id = $2', [sessionId, patientId]);
  expect(launches).toEqual([{ outcome: 'ok', user_type: 'Patient' }]);
  await patient.context().close();
});

test('a provider account made at launch is listed on Users and can be removed; its visit keeps the participant', async ({ page }) => {
  const integration = await seedIntegration();
  const sessionId = uniqueSessionId();
  const providerId = uniqueId('EMP');
  const email = `${providerId.toLowerCase()}@hospital.example`;
  const launched = await launch(
    launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: providerId, FirstName: 'Noor', LastName: 'Haddad', Email: email }),
  );
  expect(launched.status).toBe(303);

  await page.goto('/admin/users');
  const providers = page.getByRole('table', { name: 'Provider accounts created at launch' });
  const row = providers.getByRole('row').filter({ hasText: providerId });
  await expect(row.getByRole('cell').nth(0)).toHaveText(email);
  await expect(row.getByRole('cell').nth(1)).toHaveText('Noor Haddad');
  await expect(row.getByRole('cell').nth(3)).toHaveText('Licensed');

  page.once('dialog', (dialog) => {
    expect(dialog.message()).toContain(`Noor Haddad (${providerId})`);
    void dialog.accept();
  });
  await row.getByRole('button', { name: `Remove provider Noor Haddad (${providerId})` }).click();
  await expect(row).toHaveCount(0);

  expect(await query('select id from providers where epic_user_id = $1', [providerId])).toEqual([]);
  expect(await query('select provider_id from participants where epic_user_id = $1', [providerId])).toEqual([{ provider_id: null }]);
  expect(await query("select actor_email, target from audit_log where action = 'provider.remove' and target = $1", [email])).toEqual([
    { actor_email: OWNER.email, target: email },
  ]);
});

/** Opens a launch link the way a patient or provider does: a browser with no admin session. */
async function openAsVisitor(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] }, viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

function launch(path: string): Promise<Response> {
  return fetch(process.env.E2E_BASE_URL + path, { redirect: 'manual' });
}

/** Epic user IDs are alphanumeric; random ones keep reruns on a shared database apart. */
function uniqueId(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex').toUpperCase()}`;
}

test("the link generator can leave LinkValidityPeriod out, so the integration's default is what the link gets", async ({ page }) => {
  await page.goto('/admin/launch-links');
  await page.getByLabel('User Type').selectOption('Patient');
  await page.getByLabel('ExternalID').fill(uniqueId('PAT'));
  await page.getByLabel('LinkValidityPeriod (minutes)').fill('');
  await page.getByRole('button', { name: 'Generate link' }).click();
  await expect(page.getByLabel('Plaintext before encryption')).toHaveValue(/&Timestamp=\d{10}$/);
  await expect(page.getByTestId('sample-link-status')).toContainText("the integration's default; the link has no LinkValidityPeriod");
  await page.getByLabel('LinkValidityPeriod (minutes)').fill('ten');
  await page.getByRole('button', { name: 'Generate link' }).click();
  await expect(page.locator('#linkValidityMinutes-error')).toHaveText("Enter whole minutes, or leave it empty for the integration's default");
});
