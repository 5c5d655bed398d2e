import { expect, test, type Page } from '@playwright/test';
import { gif, jpeg, png, pngBomb, pngOfExactSize, svg, textFile } from '../test/fixtures/images';
import { query } from './support/database';

const AES256_SECRET = 'AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dw=';
const AUTH_PASSWORD = 'epic-basic-pass-9876';
const OAUTH_SECRET = 'oauth-client-secret-5432';
const TWO_MB = 2 * 1024 * 1024;

test.describe.configure({ mode: 'serial' });

async function save(page: Page) {
  await page.getByRole('button', { name: 'Save Changes' }).click();
}

async function fillRequired(page: Page) {
  await page.getByLabel('Default Host User Email').fill('host@hospital.example');
  await page.getByLabel('Encryption Key').fill('televisit-key-01');
  await page.getByLabel('Encryption Secret').fill(AES256_SECRET);
}

test('every field is saved and shown again after a reload, with secrets sealed and never sent back', async ({ page }) => {
  await page.goto('/admin/settings');
  await fillRequired(page);
  await page.getByLabel('Provider User Type').selectOption('Basic');
  await page.getByLabel('Epic Environment').selectOption('Test');
  await page.getByLabel('Be manually admitted to the meeting by the provider').check();
  await page.getByLabel('Epic Client ID').fill('client-abc-123');
  await page.getByLabel('Vendor Name').fill('Televisit Health');
  await page.getByLabel('Epic server time zone').fill('America/New_York');
  await page.getByLabel('Default link validity (minutes)').fill('90');
  await page.getByLabel('Largest visit').fill('3');
  await page.getByLabel('Authorization Type').selectOption('basic');
  await page.getByLabel('Auth Name').fill('emp$TELEVISIT');
  await page.getByLabel('Auth Password').fill(AUTH_PASSWORD);
  await page.getByLabel('Epic Connection Status Endpoint URL').fill('http://127.0.0.1:4999/status');
  await page.getByLabel('Epic Device Test Endpoint URL').fill('http://127.0.0.1:4999/device');
  await page.getByLabel('Device Test Help Endpoint URL').fill('https://help.hospital.example/video');
  await page.getByLabel('Custom Text').fill('Your care team will be with you shortly.');
  await expect(page.getByTestId('custom-text-counter')).toHaveText('40 / 256 characters');
  await page.getByLabel('Custom Logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: await png(320, 120) });
  await expect(page.getByAltText('Custom logo preview')).toBeVisible();
  await save(page);
  await expect(page.getByTestId('save-status')).toHaveText(/Settings saved/);

  await page.reload();
  await expect(page.getByLabel('Default Host User Email')).toHaveValue('host@hospital.example');
  await expect(page.getByLabel('Provider User Type')).toHaveValue('Basic');
  await expect(page.getByLabel('Encryption Key')).toHaveValue('televisit-key-01');
  await expect(page.getByLabel('Encryption Algorithm')).toHaveValue('AES-256-CBC');
  await expect(page.getByLabel('Encryption Secret')).toHaveValue('');
  await expect(page.getByText('Set, ending in 1dw=; leave empty to keep it.')).toBeVisible();
  await expect(page.getByLabel('Be manually admitted to the meeting by the provider')).toBeChecked();
  await expect(page.getByLabel('Epic Client ID')).toHaveValue('client-abc-123');
  await expect(page.getByLabel('Vendor Name')).toHaveValue('Televisit Health');
  await expect(page.getByLabel('Epic server time zone')).toHaveValue('America/New_York');
  await expect(page.getByLabel('Default link validity (minutes)')).toHaveValue('90');
  await expect(page.getByLabel('Largest visit')).toHaveValue('3');
  await expect(page.getByLabel('Authorization Type')).toHaveValue('basic');
  await expect(page.getByLabel('Auth Name')).toHaveValue('emp$TELEVISIT');
  await expect(page.getByLabel('Auth Password')).toHaveValue('');
  await expect(page.getByText(/Set, ending in 9876/)).toBeVisible();
  await expect(page.getByLabel('Epic Connection Status Endpoint URL')).toHaveValue('http://127.0.0.1:4999/status');
  await expect(page.getByLabel('Epic Device Test Endpoint URL')).toHaveValue('http://127.0.0.1:4999/device');
  await expect(page.getByLabel('Device Test Help Endpoint URL')).toHaveValue('https://help.hospital.example/video');
  await expect(page.getByLabel('Custom Text')).toHaveValue('Your care team will be with you shortly.');
  const logoSrc = await page.getByAltText('Custom logo preview').getAttribute('src');
  expect(logoSrc).toMatch(/^\/branding\/logo\/[0-9a-f]{64}$/);
  const logo = await page.request.get(logoSrc!);
  expect(logo.headers()['content-type']).toBe('image/png');
  expect(logo.headers()['cache-control']).toContain('max-age=31536000');

  const [row] = await query<Record<string, string>>('select * from integrations');
  expect(row).toMatchObject({ encryption_key: 'televisit-key-01', auth_name: 'emp$TELEVISIT', admittance_policy: 'manual', epic_time_zone: 'America/New_York', largest_visit: 3 });
  for (const column of ['encryption_secret_sealed', 'auth_password_sealed']) {
    expect(row![column]).toMatch(/^v1:/);
    expect(row![column]).not.toContain(AES256_SECRET);
    expect(row![column]).not.toContain(AUTH_PASSWORD);
  }
  const html = await (await page.request.get('/admin/settings')).text();
  expect(html).not.toContain(AES256_SECRET);
  expect(html).not.toContain(AUTH_PASSWORD);

  // Saving again with the secret fields empty keeps the stored secrets.
  await page.getByLabel('Vendor Name').fill('Televisit Health System');
  await save(page);
  await expect(page.getByTestId('save-status')).toHaveText('Settings saved (1 changed).');
  const [after] = await query<Record<string, string>>('select * from integrations');
  expect(after!.encryption_secret_sealed).toBe(row!.encryption_secret_sealed);
  expect(after!.auth_password_sealed).toBe(row!.auth_password_sealed);

  const audit = await query<{ action: string; changed_fields: string[]; detail: unknown }>(
    "select action, changed_fields, detail from audit_log where action like 'settings.%' order by id",
  );
  expect(audit.map((entry) => entry.action)).toEqual(['settings.create', 'settings.update']);
  expect(audit[0]!.changed_fields).toEqual(expect.arrayContaining(['encryptionSecret', 'authPassword', 'vendorName', 'logoHash']));
  expect(audit[1]!.changed_fields).toEqual(['vendorName']);
  expect(JSON.stringify(audit)).not.toContain(AES256_SECRET);
  await page.goto('/admin/audit');
  await expect(page.getByRole('cell', { name: 'settings.update' })).toBeVisible();
});

test('OAuth settings are saved per Epic environment and the client secret stays sealed', async ({ page }) => {
  await page.goto('/admin/settings');
  await page.getByLabel('Authorization Type').selectOption('oauth');
  await page.getByLabel('OAuth Client ID (Test)').fill('test-client-id');
  await page.getByLabel('Allowed Epic FHIR base URLs (Test)').fill('http://127.0.0.1:4998/api/FHIR/R4/\nhttps://fhir.hospital.example/api/FHIR/R4');
  await page.getByLabel('OAuth Client Secret').fill(OAUTH_SECRET);
  await save(page);
  await expect(page.getByTestId('save-status')).toHaveText(/Settings saved/);
  await page.reload();
  await expect(page.getByLabel('Allowed Epic FHIR base URLs (Test)')).toHaveValue('http://127.0.0.1:4998/api/FHIR/R4\nhttps://fhir.hospital.example/api/FHIR/R4');
  await expect(page.getByText(/Set, ending in 5432/)).toBeVisible();
  expect(await (await page.request.get('/admin/settings')).text()).not.toContain(OAUTH_SECRET);
  await page.getByLabel('Authorization Type').selectOption('basic');
  await save(page);
  await expect(page.getByTestId('save-status')).toHaveText(/Settings saved/);
});

test('each invalid field shows its own error and nothing is saved', async ({ page }) => {
  const before = await query('select * from integrations');
  await page.goto('/admin/settings');
  const cases: Array<[string, string, string | RegExp]> = [
    ['Default Host User Email', 'not-an-email', 'Enter a valid email address'],
    ['Encryption Key', 'short', 'Use 8 to 100 letters, digits, - or _'],
    ['Encryption Secret', 'bm90LTMyLWJ5dGVz', /base64 of exactly 32 bytes/],
    ['Vendor Name', '', 'Enter the vendor name Epic knows you by'],
    ['Epic server time zone', 'Mars/Olympus', /IANA time zone/],
    ['Default link validity (minutes)', '43201', /At most 43200 minutes/],
    ['Epic Connection Status Endpoint URL', 'not a url', /absolute URL/],
    ['Epic Device Test Endpoint URL', 'ftp://epic.example/device', 'Only http and https URLs are accepted'],
    ['Custom Text', 'x'.repeat(257), 'At most 256 characters'],
    ['Largest visit', '5', /At most 4 people/],
  ];
  for (const [label, value] of cases) await page.getByLabel(label).fill(value);
  await expect(page.getByTestId('custom-text-counter')).toHaveText('257 / 256 characters');
  await save(page);
  for (const [label, , message] of cases) {
    const field = page.getByLabel(label);
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    const id = await field.getAttribute('id');
    await expect(page.locator(`#${id}-error`)).toHaveText(message);
  }
  await expect(page.getByTestId('save-status')).toHaveText('Some fields need attention; nothing was saved.');
  expect(await query('select * from integrations')).toEqual(before);

  // Production accepts https only.
  await page.reload();
  await page.getByLabel('Epic Environment').selectOption('Production');
  await save(page);
  await expect(page.locator('#connectionStatusUrl-error')).toHaveText('The Production environment accepts https URLs only');
  expect(await query('select * from integrations')).toEqual(before);

  // Basic Authorization needs a user name.
  await page.reload();
  await page.getByLabel('Auth Name').fill('');
  await save(page);
  await expect(page.locator('#authName-error')).toHaveText('Enter the Epic user name, as emp$<user>');
});

test('the server checks every field again, even when the browser check is bypassed', async ({ page }) => {
  await page.goto('/admin/settings');
  const before = await query('select * from integrations');
  // Rewrite the server action's request on the wire, after the form's own validation passed.
  await page.route('**/admin/settings', async (route) => {
    const request = route.request();
    if (request.method() !== 'POST' || !request.headers()['next-action']) return route.continue();
    const body = request.postDataBuffer()!.toString('latin1');
    const tampered = body
      .replace(/"customText":"[^"]*"/, `"customText":"${'y'.repeat(257)}"`)
      .replace(/"encryptionKey":"[^"]*"/, '"encryptionKey":"bad key!"');
    expect(tampered).not.toBe(body);
    await route.continue({ postData: Buffer.from(tampered, 'latin1') });
  });
  await page.getByLabel('Custom Text').fill('fine');
  await save(page);
  await expect(page.locator('#customText-error')).toHaveText('At most 256 characters');
  await expect(page.locator('#encryptionKey-error')).toHaveText('Use 8 to 100 letters, digits, - or _');
  expect(await query('select * from integrations')).toEqual(before);
});

test.describe('Custom Logo', () => {
  const accepted: Array<[string, string, () => Promise<Buffer>]> = [
    ['a PNG', 'logo.png', () => png(800, 600)],
    ['a JPEG', 'logo.jpg', () => jpeg(640, 480)],
    ['a PNG named .jpg (content decides)', 'renamed.jpg', () => png(200, 100)],
    ['a PNG of exactly 2 MB', 'big.png', () => pngOfExactSize(TWO_MB)],
  ];
  for (const [what, name, build] of accepted) {
    test(`accepts ${what}`, async ({ page }) => {
      await page.goto('/admin/settings');
      await page.getByLabel('Custom Logo').setInputFiles({ name, mimeType: 'image/jpeg', buffer: await build() });
      await save(page);
      await expect(page.getByTestId('save-status')).toHaveText(/Settings saved/);
      const [row] = await query<{ logo_hash: string; content_type: string }>(
        'select i.logo_hash, l.content_type from integrations i join logos l on l.hash = i.logo_hash',
      );
      expect(row!.content_type).toBe(name.endsWith('.png') || what.includes('PNG') ? 'image/png' : 'image/jpeg');
    });
  }

  const refused: Array<[string, string, () => Promise<Buffer>, string]> = [
    ['a GIF', 'logo.gif', () => gif(100, 100), 'The logo must be a PNG or JPEG image'],
    ['an SVG', 'logo.svg', async () => svg(100, 100), 'The logo must be a PNG or JPEG image'],
    ['an 801x600 PNG', 'wide.png', () => png(801, 600), 'The logo is 801x600 pixels; the maximum is 800x600'],
    ['an 800x601 PNG', 'tall.png', () => png(800, 601), 'The logo is 800x601 pixels; the maximum is 800x600'],
    ['a PNG of 2 MB + 1 byte', 'huge.png', () => pngOfExactSize(TWO_MB + 1), 'The logo must be at most 2 MB'],
    ['a text file named .png', 'notes.png', async () => textFile(), 'The logo must be a PNG or JPEG image'],
  ];
  for (const [what, name, build, message] of refused) {
    test(`refuses ${what} with a message naming the limit`, async ({ page }) => {
      const before = await query('select logo_hash from integrations');
      await page.goto('/admin/settings');
      await page.getByLabel('Custom Logo').setInputFiles({ name, mimeType: 'image/png', buffer: await build() });
      await save(page);
      await expect(page.locator('#logo-error')).toHaveText(message);
      expect(await query('select logo_hash from integrations')).toEqual(before);
    });
  }

  test('the page reads the first bytes itself: a GIF, an SVG or a text file named .png never leaves it, and Save says why', async ({ page }) => {
    await page.goto('/admin/settings');
    let actionsSent = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.headers()['next-action']) actionsSent++;
    });
    for (const [name, buffer] of [['logo.gif', await gif(10, 10)], ['logo.svg', svg(10, 10)], ['notes.png', textFile()]] as const) {
      await page.getByLabel('Custom Logo').setInputFiles({ name, mimeType: 'image/png', buffer });
      await expect(page.locator('#logo-error')).toHaveText('The logo must be a PNG or JPEG image');
    }
    await save(page);
    await expect(page.getByTestId('save-status')).toHaveText(/^The logo cannot be used: The logo must be a PNG or JPEG image\. Choose another file, or clear it; nothing was saved\.$/);
    expect(actionsSent).toBe(0);
  });

  test('a decompression bomb is refused from its header at once, without decoding it', async ({ page }) => {
    await page.goto('/admin/settings');
    await page.getByLabel('Custom Logo').setInputFiles({ name: 'bomb.png', mimeType: 'image/png', buffer: pngBomb() });
    await expect(page.locator('#logo-error')).toHaveText('The logo is 20000x20000 pixels; the maximum is 800x600', { timeout: 2000 });
    await save(page);
    await expect(page.getByTestId('save-status')).toHaveText(/^The logo cannot be used/);
  });

  test('remove clears the logo', async ({ page }) => {
    await page.goto('/admin/settings');
    await expect(page.getByAltText('Custom logo preview')).toBeVisible();
    await page.getByRole('button', { name: 'Remove logo' }).click();
    await save(page);
    await expect(page.getByTestId('save-status')).toHaveText(/Settings saved/);
    await page.reload();
    await expect(page.getByAltText('Custom logo preview')).toHaveCount(0);
    expect(await query('select logo_hash from integrations')).toEqual([{ logo_hash: null }]);
  });
});

test('saving with nothing changed writes nothing and no audit row', async ({ page }) => {
  await page.goto('/admin/settings');
  const before = await query('select count(*)::int as count from audit_log');
  await save(page);
  await expect(page.getByTestId('save-status')).toHaveText('Nothing had changed; nothing was saved.');
  expect(await query('select count(*)::int as count from audit_log')).toEqual(before);
});

test('a short AES-128 secret is accepted, with a warning beside it and in the save message', async ({ page }) => {
  await page.goto('/admin/settings');
  await page.getByLabel('Encryption Algorithm').selectOption('AES-128-CBC');
  await page.getByLabel('Encryption Secret').fill('abc');
  await expect(page.getByTestId('encryptionSecret-warning')).toContainText('only 3 characters');
  await save(page);
  await expect(page.getByTestId('save-status')).toHaveText(/^Settings saved \(\d+ changed\)\. This secret has only 3 characters/);
  // Back to the strong key the other specs expect.
  await page.getByLabel('Encryption Algorithm').selectOption('AES-256-CBC');
  await page.getByLabel('Encryption Secret').fill(AES256_SECRET);
  await save(page);
  await expect(page.getByTestId('save-status')).toHaveText(/^Settings saved/);
});

test('with OAuth the page shows the exact redirect URI to register with Epic, from the public URL', async ({ page }) => {
  await page.goto('/admin/settings');
  await page.getByLabel('Authorization Type').selectOption('oauth');
  await expect(page.getByTestId('oauth-redirect-uri')).toContainText(`${JSON.parse(process.env.E2E_APP_ENV!).NEXTAUTH_URL}/launch/oauth-callback`);
  await expect(page.getByLabel('Send the client secret')).toHaveValue('client_secret_basic');
});

test('the settings and users pages fit a 360 px screen without scrolling sideways', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  for (const path of ['/admin/settings', '/admin/users']) {
    await page.goto(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
});
