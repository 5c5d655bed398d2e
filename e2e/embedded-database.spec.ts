import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startApp, type AppServer } from './support/app-server';

// The default a new user gets from `npm start`: no DATABASE_URL, PGlite under DATA_DIR, keys
// generated beside it. Settings must survive a restart.
test.describe('embedded database (PGlite)', () => {
  test.use({ storageState: { cookies: [], origins: [] }, baseURL: 'http://127.0.0.1:3290' });
  let dataDir: string;
  let app: AppServer | undefined;

  test.beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'televisit-pglite-'));
  });
  test.afterAll(async () => {
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a fresh server creates its database and keys, and keeps settings across a restart', async ({ page }) => {
    test.setTimeout(120_000);
    const embeddedEnv = { DATA_DIR: dataDir, DATABASE_URL: '', TELEVISIT_MASTER_KEY: '', NEXTAUTH_SECRET: '', NEXTAUTH_URL: 'http://127.0.0.1:3290' };
    const logFile = path.resolve('test-results/app-server-pglite.log');
    app = await startApp({ port: 3290, env: embeddedEnv, logFile });
    for (const key of ['master.key', 'auth.secret']) {
      expect(statSync(path.join(dataDir, key)).mode & 0o777).toBe(0o600);
    }

    await page.goto('/admin');
    await expect(page).toHaveURL(/\/setup$/);
    await page.getByLabel('Email').fill('owner@clinic.example');
    await page.getByLabel('Password', { exact: true }).fill('embedded owner password');
    await page.getByLabel('Confirm password').fill('embedded owner password');
    await page.getByRole('button', { name: 'Create owner account' }).click();
    await expect(page).toHaveURL(/\/admin\/settings$/);
    await page.getByLabel('Default Host User Email').fill('host@clinic.example');
    await page.getByLabel('Encryption Algorithm').selectOption('AES-128-CBC');
    await page.getByLabel('Encryption Secret').fill('televisit-shared-secret');
    await page.getByLabel('Custom Text').fill('Welcome to the clinic.');
    await page.getByRole('button', { name: 'Save Changes' }).click();
    await expect(page.getByTestId('save-status')).toHaveText(/Settings saved/);

    await app.stop();
    app = await startApp({ port: 3290, env: embeddedEnv, logFile });
    await page.goto('/admin/settings');
    await expect(page.getByLabel('Custom Text')).toHaveValue('Welcome to the clinic.');
    await expect(page.getByText(/Set, ending in cret/)).toBeVisible();
  });
});
