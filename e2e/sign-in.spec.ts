import { expect, request as playwrightRequest, test } from '@playwright/test';
import { OWNER, signIn } from './support/admin';
import { query } from './support/database';

test.describe('signed out', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('every admin page sends a signed-out visitor to sign-in', async ({ page }) => {
    for (const path of ['/admin', '/admin/settings', '/admin/users', '/admin/audit']) {
      await page.goto(path);
      await expect(page).toHaveURL(new RegExp(`/login\\?callbackUrl=${encodeURIComponent(path)}$`));
    }
  });

  test('before its script runs the sign-in form takes no input, so a password never ends up in a URL', async ({ browser }) => {
    // No script at all is the slowest phone: the page as the server sent it, never hydrated.
    const context = await browser.newContext({ javaScriptEnabled: false, storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    await page.goto('/login');
    await expect(page.getByLabel('Password')).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeDisabled();
    await expect(page.locator('form')).toHaveAttribute('method', 'post');
    await context.close();
  });

  test('sign in, then sign out', async ({ page }) => {
    await signIn(page, OWNER.email, OWNER.password);
    await expect(page).toHaveURL(/\/admin\/settings$/);
    await expect(page.getByText(OWNER.email)).toBeVisible();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto('/admin/settings');
    await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fadmin%2Fsettings$/);
  });

  test('signing in from a deep admin page comes back to it', async ({ page }) => {
    await page.goto('/admin/visits');
    await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fadmin%2Fvisits$/);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/admin\/visits$/);
    // A callbackUrl off this server is ignored.
    await page.goto('/login?callbackUrl=https%3A%2F%2Fevil.example%2F');
    await expect(page).toHaveURL(/\/admin\/settings$/);
  });

  test('a wrong password is refused without saying whether the email exists', async ({ page }) => {
    await signIn(page, OWNER.email, 'wrong password!');
    await expect(page.getByTestId('sign-in-message')).toHaveText('Email or password is wrong');
    await signIn(page, 'nobody@hospital.example', 'wrong password!');
    await expect(page.getByTestId('sign-in-message')).toHaveText('Email or password is wrong');
    await query('delete from sign_in_attempts');
  });

  test("a stranger's wrong passwords refuse the account to strangers, never to the browser its admin signed in with before", async ({ page, browser }) => {
    const email = 'throttled@hospital.example';
    await query(`insert into admins (email, password_hash) select $1, password_hash from admins where email = $2`, [email, OWNER.email]);
    // The admin's own browser, from its own address: it signed in here before, so it is a known device.
    const admin = await browser.newContext({ storageState: { cookies: [], origins: [] }, extraHTTPHeaders: { 'X-Forwarded-For': '198.51.100.20' } });
    const adminPage = await admin.newPage();
    await signIn(adminPage, email, OWNER.password);
    await expect(adminPage).toHaveURL(/\/admin\/settings$/);
    expect((await admin.cookies()).map((cookie) => cookie.name)).toContain('televisit-known-device');
    await adminPage.getByRole('button', { name: 'Sign out' }).click();
    await expect(adminPage).toHaveURL(/\/login$/);

    // The e2e server trusts 127.0.0.1 as its proxy (TRUSTED_PROXIES), so X-Forwarded-For names the client.
    for (let attempt = 1; attempt <= 3; attempt++) {
      await page.setExtraHTTPHeaders({ 'X-Forwarded-For': `203.0.113.${60 + attempt}` });
      await signIn(page, email, `wrong password ${attempt}`);
      await expect(page.getByTestId('sign-in-message')).toHaveText('Email or password is wrong');
    }
    // From yet another address, even the right password is not checked: the account's checks are spaced out.
    await page.setExtraHTTPHeaders({ 'X-Forwarded-For': '203.0.113.70' });
    await signIn(page, email, OWNER.password);
    await expect(page.getByTestId('sign-in-message')).toHaveText(/Too many failed sign-ins for this account\. Try again in \d+ seconds?\./);
    await expect(page).toHaveURL(/\/login/);
    const rows = await query<{ outcome: string }>(`select outcome from sign_in_attempts where email = $1 and address like '203.%' order by id`, [email]);
    expect(rows.map((row) => row.outcome)).toEqual(['failed', 'failed', 'failed', 'refused']);
    const refusals = await query<{ detail: { reason: string } }>(`select detail from audit_log where action = 'sign-in.refused' and actor_email = $1 order by id`, [email]);
    expect(refusals.map((row) => row.detail.reason)).toEqual(['wrong password', 'wrong password', 'wrong password', 'account']);

    // The admin's known browser gets in at once.
    await signIn(adminPage, email, OWNER.password);
    await expect(adminPage).toHaveURL(/\/admin\/settings$/);
    await admin.close();
    await query('delete from sign_in_attempts');
    await query('delete from admins where email = $1', [email]);
  });

  test('parallel wrong sign-ins from one address with different emails: only 20 are checked', async ({ baseURL }) => {
    const address = '203.0.113.77';
    const attempts = Array.from({ length: 40 }, async (_, index) => {
      // A context each: next-auth's CSRF token is bound to its own cookie.
      const client = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { 'X-Forwarded-For': address } });
      const csrf = await client.get('/api/auth/csrf');
      const { csrfToken } = (await csrf.json()) as { csrfToken: string };
      await client.post('/api/auth/callback/credentials', {
        form: { csrfToken, email: `spray-${index}@attacker.example`, password: 'not the password', json: 'true' },
        maxRedirects: 0,
      });
      await client.dispose();
    });
    await Promise.all(attempts);
    const rows = await query<{ outcome: string; count: number }>('select outcome, count(*)::int as count from sign_in_attempts where address = $1 group by outcome order by outcome', [address]);
    expect(rows).toEqual([
      { outcome: 'failed', count: 20 },
      { outcome: 'refused', count: 20 },
    ]);
    await query('delete from sign_in_attempts');
  });
});
