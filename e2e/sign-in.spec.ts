import { expect, test } from '@playwright/test';
import { OWNER, signIn } from './support/admin';
import { query } from './support/database';

test.describe('signed out', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('every admin page sends a signed-out visitor to sign-in', async ({ page }) => {
    for (const path of ['/admin', '/admin/settings', '/admin/users', '/admin/audit']) {
      await page.goto(path);
      await expect(page).toHaveURL(/\/login$/);
    }
  });

  test('sign in, then sign out', async ({ page }) => {
    await signIn(page, OWNER.email, OWNER.password);
    await expect(page).toHaveURL(/\/admin\/settings$/);
    await expect(page.getByText(OWNER.email)).toBeVisible();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto('/admin/settings');
    await expect(page).toHaveURL(/\/login$/);
  });

  test('a wrong password is refused without saying whether the email exists', async ({ page }) => {
    await signIn(page, OWNER.email, 'wrong password!');
    await expect(page.getByTestId('sign-in-message')).toHaveText('Email or password is wrong');
    await signIn(page, 'nobody@hospital.example', 'wrong password!');
    await expect(page.getByTestId('sign-in-message')).toHaveText('Email or password is wrong');
    await query('delete from sign_in_attempts');
  });

  test('repeated bad passwords are slowed, then refused for a while, even with the right password', async ({ page }) => {
    const email = 'throttled@hospital.example';
    await query(`insert into admins (email, password_hash) select $1, password_hash from admins where email = $2`, [email, OWNER.email]);
    const timings: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const started = Date.now();
      await signIn(page, email, `wrong password ${attempt}`);
      await expect(page.getByTestId('sign-in-message')).toHaveText('Email or password is wrong');
      timings.push(Date.now() - started);
    }
    // Failures 4 and 5 waited 1 s and 2 s before the password was even checked.
    expect(timings[4]! - timings[0]!).toBeGreaterThan(1500);

    await signIn(page, email, OWNER.password);
    await expect(page.getByTestId('sign-in-message')).toHaveText(/Too many failed sign-ins\. Sign-in is refused for 1[45] minutes\./);
    await expect(page).toHaveURL(/\/login$/);
    const failures = await query('select * from sign_in_attempts where email = $1 and not succeeded', [email]);
    expect(failures).toHaveLength(5);
    await query('delete from sign_in_attempts');
    await query('delete from admins where email = $1', [email]);
  });
});
