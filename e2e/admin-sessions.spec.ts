import { expect, test, type Browser } from '@playwright/test';
import { OWNER, signIn } from './support/admin';
import { query } from './support/database';

// Admin sessions are rows on the server: the cookie names one, and a session that was ended or
// reached its fixed expiry is refused on the next request, whatever the cookie says.

test.use({ storageState: { cookies: [], origins: [] } });

async function signedInContext(browser: Browser) {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await signIn(page, OWNER.email, OWNER.password);
  await expect(page).toHaveURL(/\/admin\/settings$/);
  const [session] = await query<{ id: string }>('select id from admin_sessions where ended_at is null order by created_at desc limit 1');
  return { context, page, sessionId: session!.id };
}

test('after sign-out the old cookie opens nothing: the session ended on the server', async ({ browser }) => {
  const { context, page, sessionId } = await signedInContext(browser);
  const cookies = await context.cookies();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect(await query('select ended_by from admin_sessions where id = $1', [sessionId])).toEqual([{ ended_by: 'signed out' }]);

  // Someone who copied the cookie before sign-out.
  const copy = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  await copy.addCookies(cookies);
  const copyPage = await copy.newPage();
  await copyPage.goto('/admin/settings');
  await expect(copyPage).toHaveURL(/\/login\?callbackUrl=%2Fadmin%2Fsettings$/);
  expect(await (await copy.request.get('/api/auth/session')).json()).toEqual({});
  await copy.close();
  await context.close();
});

test('a session ends at its fixed expiry: asking /api/auth/session does not move it', async ({ browser }) => {
  const { context, page, sessionId } = await signedInContext(browser);
  const [before] = await query<{ expires_at: Date }>('select expires_at from admin_sessions where id = $1', [sessionId]);
  const session = await context.request.get('/api/auth/session');
  expect(await session.json()).toMatchObject({ adminId: expect.any(String) });
  const [after] = await query<{ expires_at: Date }>('select expires_at from admin_sessions where id = $1', [sessionId]);
  expect(after!.expires_at).toEqual(before!.expires_at);

  // The sign-in's lifetime has run out (the cookie itself would still be renewed).
  await query(`update admin_sessions set expires_at = now() - interval '1 second' where id = $1`, [sessionId]);
  await page.goto('/admin/settings');
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fadmin%2Fsettings$/);
  expect(await (await context.request.get('/api/auth/session')).json()).toEqual({});
  await context.close();
});

test('an admin removed by the owner is refused on the next request', async ({ browser }) => {
  const email = 'removed-admin@hospital.example';
  await query(`insert into admins (email, password_hash) select $1, password_hash from admins where email = $2`, [email, OWNER.email]);
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await signIn(page, email, OWNER.password);
  await expect(page).toHaveURL(/\/admin/);
  const [removed] = await query<{ id: string }>('delete from admins where email = $1 returning id', [email]);
  expect(await query('select id from admin_sessions where admin_id = $1', [removed!.id])).toEqual([]);
  await page.goto('/admin/settings');
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fadmin%2Fsettings$/);
  await context.close();
});

test('each sign-in is audited with the session it started', async ({ browser }) => {
  const { context, sessionId } = await signedInContext(browser);
  const rows = await query<{ detail: { method: string; sessionId: string } }>(`select detail from audit_log where action = 'sign-in' order by id desc limit 1`);
  expect(rows[0]!.detail).toMatchObject({ method: 'password', sessionId });
  await context.close();
});

test("the owner ends another admin's session from the Sessions page; that admin's next request is refused", async ({ browser }) => {
  const email = 'session-admin@hospital.example';
  await query(`insert into admins (email, password_hash) select $1, password_hash from admins where email = $2`, [email, OWNER.email]);
  const adminContext = await browser.newContext({ storageState: { cookies: [], origins: [] }, userAgent: 'Mozilla/5.0 (Windows NT 10.0) Firefox/140.0' });
  const adminPage = await adminContext.newPage();
  await signIn(adminPage, email, OWNER.password);
  await expect(adminPage).toHaveURL(/\/admin/);
  // An admin sees their own sessions only.
  await adminPage.goto('/admin/sessions');
  await expect(adminPage.getByTestId('session-row')).toHaveCount(1);
  await expect(adminPage.getByTestId('session-row')).toContainText('Firefox on Windows');
  await expect(adminPage.getByTestId('session-row')).toContainText('this browser');

  const { context: ownerContext, page: ownerPage } = await signedInContext(browser);
  await ownerPage.goto('/admin/sessions');
  const row = ownerPage.getByTestId('session-row').filter({ hasText: email });
  await expect(row).toContainText('Firefox on Windows');
  await row.getByRole('button', { name: /^End the session of session-admin@hospital\.example/ }).click();
  await expect(row).toHaveCount(0);
  const ended = await query<{ ended_by: string }>('select ended_by from admin_sessions join admins on admins.id = admin_id where admins.email = $1', [email]);
  expect(ended).toEqual([{ ended_by: `ended by the owner ${OWNER.email}` }]);
  expect(await query(`select actor_email, target from audit_log where action = 'session.end' and target = $1`, [email])).toEqual([{ actor_email: OWNER.email, target: email }]);

  await adminPage.goto('/admin/settings');
  await expect(adminPage).toHaveURL(/\/login\?callbackUrl=%2Fadmin%2Fsettings$/);
  await adminContext.close();
  await ownerContext.close();
  await query('delete from admins where email = $1', [email]);
});

test('an admin changes their password: the current one is asked for, every other session of theirs ends, and only the new one signs in', async ({ browser }) => {
  const email = 'password-admin@hospital.example';
  const newPassword = 'a new and longer passphrase';
  await query(`insert into admins (email, password_hash) select $1, password_hash from admins where email = $2`, [email, OWNER.email]);
  const open = async () => {
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    return { context, page };
  };
  const laptop = await open();
  const phone = await open();
  for (const { page } of [laptop, phone]) {
    await signIn(page, email, OWNER.password);
    await expect(page).toHaveURL(/\/admin/);
  }

  await laptop.page.goto('/admin/password');
  await laptop.page.getByLabel('Current password').fill('not the password at all');
  await laptop.page.getByLabel('New password', { exact: true }).fill(newPassword);
  await laptop.page.getByLabel('New password again').fill(newPassword);
  await laptop.page.getByRole('button', { name: 'Change password' }).click();
  await expect(laptop.page.locator('#currentPassword-error')).toHaveText('Your current password is wrong');
  await laptop.page.getByLabel('Current password').fill(OWNER.password);
  await laptop.page.getByRole('button', { name: 'Change password' }).click();
  await expect(laptop.page.getByTestId('password-status')).toHaveText('Password changed. 1 other session of yours ended; this browser stays signed in.');
  expect(await query(`select detail from audit_log where action = 'password.change' and target = $1`, [email])).toEqual([{ detail: { otherSessionsEnded: 1 } }]);

  // The other browser is signed out at its next request; this one goes on.
  await phone.page.goto('/admin/settings');
  await expect(phone.page).toHaveURL(/\/login\?callbackUrl=%2Fadmin%2Fsettings$/);
  await laptop.page.goto('/admin/settings');
  await expect(laptop.page).toHaveURL(/\/admin\/settings$/);
  // The old password no longer signs in; the new one does.
  await signIn(phone.page, email, OWNER.password);
  await expect(phone.page.getByTestId('sign-in-message')).toHaveText('Email or password is wrong');
  await signIn(phone.page, email, newPassword);
  await expect(phone.page).toHaveURL(/\/admin\/settings$/);
  await laptop.context.close();
  await phone.context.close();
  await query('delete from admins where email = $1', [email]);
});
