import { expect, test } from '@playwright/test';
import { ADMIN_STATE } from '../playwright.config';
import { OWNER } from './support/admin';
import { query } from './support/database';

test('an empty database shows the one-time owner setup, which then disappears for good', async ({ page }) => {
  expect(await query('select * from admins')).toHaveLength(0);

  await page.goto('/admin/settings');
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { name: 'Create the owner account' })).toBeVisible();

  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Confirm password').fill('different');
  await page.getByRole('button', { name: 'Create owner account' }).click();
  await expect(page.getByText('Enter a valid email address')).toBeVisible();
  await expect(page.getByText('At least 12 characters', { exact: true })).toBeVisible();
  expect(await query('select * from admins')).toHaveLength(0);

  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await page.getByLabel('Confirm password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Create owner account' }).click();
  await expect(page).toHaveURL(/\/admin\/settings$/);
  await expect(page.getByRole('heading', { name: 'Add an Epic integration' })).toBeVisible();

  const admins = await query<{ email: string; password_hash: string }>('select email, password_hash from admins');
  expect(admins).toEqual([{ email: OWNER.email, password_hash: expect.stringMatching(/^\$argon2id\$/) }]);

  // Afterwards /setup sends visitors on to sign-in (here, signed in, on to the admin pages).
  await page.goto('/setup');
  await expect(page).toHaveURL(/\/admin\/settings$/);
  await page.context().storageState({ path: ADMIN_STATE });
});
