import { expect, test } from '@playwright/test';
import { OWNER, signIn } from './support/admin';
import { query } from './support/database';

test('admins add another admin, who can sign in, and remove them; nobody can remove themself', async ({ page, browser }) => {
  page.on('dialog', (dialog) => dialog.accept());
  await page.goto('/admin/users');
  await page.getByLabel('Email').fill('second@hospital.example');
  await page.getByLabel('Initial password').fill('short');
  await page.getByRole('button', { name: 'Add admin' }).click();
  await expect(page.locator('#new-admin-password-error')).toHaveText('At least 12 characters');

  await page.getByLabel('Initial password').fill('second admin password');
  await page.getByRole('button', { name: 'Add admin' }).click();
  await expect(page.getByText('second@hospital.example can now sign in.')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Administrators' }).getByText('second@hospital.example', { exact: true })).toBeVisible();

  await page.getByLabel('Email').fill('second@hospital.example');
  await page.getByLabel('Initial password').fill('another password here');
  await page.getByRole('button', { name: 'Add admin' }).click();
  await expect(page.locator('#new-admin-email-error')).toHaveText('This email is already an admin');

  const secondContext = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const second = await secondContext.newPage();
  await signIn(second, 'second@hospital.example', 'second admin password');
  await expect(second).toHaveURL(/\/admin\/settings$/);

  await page.getByRole('button', { name: 'Remove second@hospital.example' }).click();
  await expect(page.getByRole('list', { name: 'Administrators' }).getByText('second@hospital.example', { exact: true })).toHaveCount(0);
  // A removed admin's session stops working at once.
  await second.goto('/admin/settings');
  await expect(second).toHaveURL(/\/login\?callbackUrl=%2Fadmin%2Fsettings$/);
  await secondContext.close();

  // No Remove button on one's own row, and the action refuses it if called directly.
  await expect(page.getByRole('button', { name: `Remove ${OWNER.email}` })).toHaveCount(0);
  // Other specs add admins of their own to the same database: look only at this test's rows.
  const people = [OWNER.email, 'second@hospital.example'];
  expect(await query('select email from admins where email = any($1)', [people])).toEqual([{ email: OWNER.email }]);
  const audit = await query<{ action: string; target: string }>("select action, target from audit_log where action like 'admin.%' and target = any($1) order by id", [people]);
  expect(audit).toEqual([
    { action: 'admin.add', target: 'second@hospital.example' },
    { action: 'admin.remove', target: 'second@hospital.example' },
  ]);
});
