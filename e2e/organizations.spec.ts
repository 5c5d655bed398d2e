import { expect, test, type Page } from '@playwright/test';
import { OWNER, signIn } from './support/admin';
import { query } from './support/database';
import { seedIntegration } from './support/epic';

// Several Epic organizations on one server, and roles: the owner manages admins and integrations;
// an admin sees and changes only the integrations granted to them. Every check is the server's:
// a crafted request gets the same refusal as a missing button.

test.describe.configure({ mode: 'serial' });

interface CapturedAction {
  url: string;
  headers: Record<string, string>;
}

/** Records the next server action the page calls (its id is in the Next-Action header). */
function captureAction(page: Page): Promise<CapturedAction> {
  return new Promise((resolve) => {
    const listener = (request: import('@playwright/test').Request) => {
      const headers = request.headers();
      if (request.method() !== 'POST' || !headers['next-action']) return;
      page.off('request', listener);
      resolve({ url: request.url(), headers: { 'Next-Action': headers['next-action'], 'Content-Type': 'text/plain;charset=UTF-8', Accept: 'text/x-component' } });
    };
    page.on('request', listener);
  });
}

test('an admin of A sees only A, cannot read or change B by URL or crafted request, and cannot remove the owner', async ({ page, browser }) => {
  page.on('dialog', (dialog) => dialog.accept());
  const stamp = Date.now();
  const a = await seedIntegration({ name: `Org A ${stamp}`, vendor_name: 'Vendor A' });
  const b = await seedIntegration({ name: `Org B ${stamp}`, vendor_name: 'Vendor B' });
  await query("insert into launch_log (encryption_key, integration_id, outcome, detail) values ($1, $2, 'decrypt_failed', 'launch of A'), ($3, $4, 'decrypt_failed', 'launch of B')", [a.encryptionKey, a.id, b.encryptionKey, b.id]);
  await query("insert into launch_log (encryption_key, outcome, detail) values ('no-such-key-0001', 'unknown_key', 'launch of no integration')");

  // The owner adds an admin who sees A.
  await page.goto('/admin/users');
  const email = `admin-a-${stamp}@hospital.example`;
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Initial password').fill('admin of A password');
  await page.getByRole('group', { name: 'Integrations they see' }).getByLabel(`Org A ${stamp}`).check();
  await page.getByRole('button', { name: 'Add admin' }).click();
  await expect(page.getByText(`${email} can now sign in.`)).toBeVisible();
  const [{ id: ownerId }] = (await query<{ id: string }>("select id from admins where role = 'owner'")) as [{ id: string }];

  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const admin = await context.newPage();
  await signIn(admin, email, 'admin of A password');
  await expect(admin).toHaveURL(/\/admin\/settings$/);
  await expect(admin.getByRole('heading', { name: `Epic integration settings: Org A ${stamp}` })).toBeVisible();

  // Lists show A and never B.
  await admin.goto('/admin/integrations');
  await expect(admin.getByRole('row', { name: `Org A ${stamp}` })).toBeVisible();
  await expect(admin.getByRole('row', { name: `Org B ${stamp}` })).toHaveCount(0);
  await expect(admin.getByRole('link', { name: 'Add an integration' })).toHaveCount(0);
  await admin.goto('/admin/launch-log');
  await expect(admin.getByText('launch of A')).toBeVisible();
  await expect(admin.getByText('launch of B')).toHaveCount(0);
  await expect(admin.getByText('launch of no integration')).toHaveCount(0);
  // B's pages by URL: not found, as if they did not exist.
  expect((await admin.goto(`/admin/settings?integration=${b.id}`))!.status()).toBe(404);
  expect((await admin.goto(`/admin/launch-log?integration=${b.id}`))!.status()).toBe(200);
  await expect(admin.getByText('launch of B')).toHaveCount(0);
  // Owner-only pages.
  expect((await admin.goto('/admin/server'))!.status()).toBe(404);
  expect((await admin.goto('/admin/audit'))!.status()).toBe(404);
  // The owner sees everything, including launches with a key no integration has.
  await page.goto('/admin/launch-log');
  await expect(page.getByText('launch of B')).toBeVisible();
  await expect(page.getByText('launch of no integration')).toBeVisible();

  // A crafted save: A's form, with B's id put in the request on its way out.
  await admin.goto(`/admin/settings?integration=${a.id}`);
  await admin.route('**/admin/settings**', async (route) => {
    const request = route.request();
    if (request.method() !== 'POST' || !request.headers()['next-action']) return route.continue();
    const body = request.postDataBuffer()!.toString('latin1').replaceAll(a.id, b.id);
    return route.continue({ postData: Buffer.from(body, 'latin1') });
  });
  await admin.getByLabel('Vendor Name').fill('Changed by admin of A');
  await admin.getByRole('button', { name: 'Save Changes' }).click();
  await expect(admin.getByTestId('save-status')).toHaveText('This integration is not yours to change.');
  expect(await query('select vendor_name from integrations where id = any($1) order by vendor_name', [[a.id, b.id]])).toEqual([{ vendor_name: 'Vendor A' }, { vendor_name: 'Vendor B' }]);
  await admin.unroute('**/admin/settings**');

  // A crafted room for B is refused too.
  await admin.goto('/admin/rooms');
  await admin.locator('#room-integration').evaluate((select: HTMLSelectElement, id: string) => {
    select.add(new Option('B', id));
    select.value = id;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }, b.id);
  await admin.getByLabel('Room name').fill('Sneaky room');
  await admin.getByRole('button', { name: 'Add room' }).click();
  await expect(admin.locator('#room-integration-error')).toHaveText('Choose one of your integrations');
  expect(await query("select 1 from rooms where name = 'Sneaky room'")).toHaveLength(0);

  // Removing the owner: the admin has no button, and the owner's own Remove action, replayed from
  // the admin's browser with the owner's id, is refused by the server.
  await admin.goto('/admin/users');
  await expect(admin.getByRole('button', { name: /^Remove / })).toHaveCount(0);
  const throwaway = `throwaway-${stamp}@hospital.example`;
  await page.goto('/admin/users');
  await page.getByLabel('Email').fill(throwaway);
  await page.getByLabel('Initial password').fill('throwaway password 1');
  await page.getByRole('button', { name: 'Add admin' }).click();
  await expect(page.getByText(`${throwaway} can now sign in.`)).toBeVisible();
  const captured = captureAction(page);
  await page.getByRole('button', { name: `Remove ${throwaway}` }).click();
  const removeAction = await captured;
  await expect(page.getByRole('list', { name: 'Administrators' }).getByText(throwaway)).toHaveCount(0);
  const origin = new URL(removeAction.url).origin;
  const byAdmin = await admin.request.post(removeAction.url, { headers: { ...removeAction.headers, Origin: origin }, data: JSON.stringify([ownerId]) });
  expect(await byAdmin.text()).toContain('Only the owner can do this.');
  const byOwner = await page.request.post(removeAction.url, { headers: { ...removeAction.headers, Origin: origin }, data: JSON.stringify([ownerId]) });
  expect(await byOwner.text()).toContain('You cannot remove your own account');
  expect(await query("select email from admins where role = 'owner'")).toEqual([{ email: OWNER.email }]);
  await context.close();
});

test('the owner adds an integration with its own name and key, retires it (its links are refused), and puts it back', async ({ page }) => {
  page.on('dialog', (dialog) => dialog.accept());
  const stamp = Date.now();
  await page.goto('/admin/integrations');
  await page.getByRole('link', { name: 'Add an integration' }).click();
  await expect(page.getByRole('heading', { name: 'Add an Epic integration' })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill(`Second org ${stamp}`);
  await page.getByLabel('Default Host User Email').fill('host@second.example');
  await page.getByLabel('Encryption Key').fill(`second-key-${stamp}`);
  await page.getByLabel('Encryption Secret').fill('AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dw=');
  await page.getByRole('button', { name: 'Save Changes' }).click();
  await expect(page.getByTestId('save-status')).toHaveText(/Settings saved/);
  await expect(page).toHaveURL(/\/admin\/settings\?integration=[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: `Epic integration settings: Second org ${stamp}` })).toBeVisible();

  // An Encryption Key is the routing key: two integrations cannot share one.
  await page.goto('/admin/settings?new=1');
  await page.getByLabel('Name', { exact: true }).fill(`Third org ${stamp}`);
  await page.getByLabel('Default Host User Email').fill('host@third.example');
  await page.getByLabel('Encryption Key').fill(`second-key-${stamp}`);
  await page.getByLabel('Encryption Secret').fill('AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dw=');
  await page.getByRole('button', { name: 'Save Changes' }).click();
  await expect(page.getByText('Another integration already uses this Encryption Key')).toBeVisible();

  await page.goto('/admin/integrations');
  await page.getByRole('button', { name: `Retire Second org ${stamp}` }).click();
  await expect(page.getByRole('row', { name: `Second org ${stamp}` })).toContainText('Retired');
  await page.request.get(`/launch?key=second-key-${stamp}&data=AAAA`);
  await expect.poll(async () => (await query('select outcome from launch_log where encryption_key = $1 order by id desc limit 1', [`second-key-${stamp}`]))[0]).toEqual({ outcome: 'integration_retired' });
  await page.getByRole('button', { name: `Reinstate Second org ${stamp}` }).click();
  await expect(page.getByRole('row', { name: `Second org ${stamp}` })).toContainText('In use');
});
