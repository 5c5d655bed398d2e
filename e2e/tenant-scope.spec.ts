import { expect, test, type Page } from '@playwright/test';
import { signIn } from './support/admin';
import { query } from './support/database';
import { seedIntegration, type TestIntegration } from './support/epic';

// Tenant scope, page by page and action by action: an admin granted integration A reads nothing of
// B on any admin page, and every server action they can reach, sent with B's ids in place of A's
// (as a crafted request would), changes nothing of B. organizations.spec.ts covers Integrations,
// Settings, Launch log, Server settings and Audit the same way; lib functions: test/tenant-scope.test.ts.

test.describe.configure({ mode: 'serial' });

interface Seeded extends TestIntegration {
  name: string;
  meetingId: string;
  notificationId: string;
  roomName: string;
  providerEmail: string;
}

async function seedTenant(label: string, stamp: number): Promise<Seeded> {
  const name = `Org ${label} ${stamp}`;
  // Nothing listens on this port (ours, 3250–3259): a test notification would fail, but be recorded.
  const integration = await seedIntegration({ name, connection_status_url: `http://127.0.0.1:3259/status-${label}` });
  const [meeting] = await query<{ id: string }>(
    "insert into meetings (integration_id, visit_key, session_id, admittance_policy, default_host_email) values ($1, $2, $2, 'automatic', 'host@hospital.example') returning id",
    [integration.id, `scope-${label}-${stamp}`],
  );
  const [notification] = await query<{ id: string }>(
    "insert into notifications (integration_id, kind, meeting_id, session_id, status, ordering_key, body, state, attempts, resp_code) values ($1, 'connection_status', $2, $3, 'Connected', $3, '{}', 'delivered', 1, 200) returning id",
    [integration.id, meeting!.id, `scope-${label}-${stamp}`],
  );
  const roomName = `Bed ${label} ${stamp}`;
  await query('insert into rooms (integration_id, name) values ($1, $2)', [integration.id, roomName]);
  const providerEmail = `doctor-${label}-${stamp}@hospital.example`;
  await query("insert into providers (integration_id, epic_user_id, email, first_name, last_name, user_type) values ($1, $2, $3, 'Dana', $4, 'Licensed')", [
    integration.id,
    `P${label}${stamp}`,
    providerEmail,
    `Doctor${label}`,
  ]);
  return { ...integration, name, meetingId: meeting!.id, notificationId: notification!.id, roomName, providerEmail };
}

/** Every server action this page sends goes out with A's ids replaced by B's, as a crafted request would. */
async function craftActionsFor(page: Page, a: Seeded, b: Seeded) {
  await page.route('**/admin/**', async (route) => {
    const request = route.request();
    if (request.method() !== 'POST' || !request.headers()['next-action']) return route.continue();
    const [roomOfA] = await query<{ id: string }>('select id from rooms where name = $1', [a.roomName]);
    const [roomOfB] = await query<{ id: string }>('select id from rooms where name = $1', [b.roomName]);
    const [providerOfA] = await query<{ id: string }>('select id from providers where email = $1', [a.providerEmail]);
    const [providerOfB] = await query<{ id: string }>('select id from providers where email = $1', [b.providerEmail]);
    const body = request
      .postDataBuffer()!
      .toString('latin1')
      .replaceAll(a.id, b.id)
      .replaceAll(a.meetingId, b.meetingId)
      .replaceAll(roomOfA!.id, roomOfB!.id)
      .replaceAll(providerOfA!.id, providerOfB!.id);
    return route.continue({ postData: Buffer.from(body, 'latin1') });
  });
}

/** Clicks, and waits until the server action it sends has answered. */
async function actionAnswered(page: Page, click: () => Promise<void>) {
  const answered = page.waitForResponse((response) => response.request().method() === 'POST' && Boolean(response.request().headers()['next-action']));
  await click();
  await answered;
}

test('an admin of A reads nothing of B on any page, and B is unchanged by every action sent with B’s ids', async ({ page, browser }) => {
  const stamp = Date.now();
  const a = await seedTenant('A', stamp);
  const b = await seedTenant('B', stamp);

  // The owner adds an admin of A and an admin of B.
  const adminA = `scoped-a-${stamp}@hospital.example`;
  const adminB = `scoped-b-${stamp}@hospital.example`;
  for (const [email, org] of [
    [adminA, a.name],
    [adminB, b.name],
  ] as const) {
    await page.goto('/admin/users');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Initial password').fill('scoped admin password');
    await page.getByRole('group', { name: 'Integrations they see' }).getByLabel(org).check();
    await page.getByRole('button', { name: 'Add admin' }).click();
    await expect(page.getByText(`${email} can now sign in.`)).toBeVisible();
  }

  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const admin = await context.newPage();
  admin.on('dialog', (dialog) => dialog.accept());
  await signIn(admin, adminA, 'scoped admin password');
  await expect(admin).toHaveURL(/\/admin\/settings$/);

  // Visits: A's visit, never B's, even when searched for or filtered by.
  await admin.goto('/admin/visits');
  await expect(admin.locator(`[data-meeting-id="${a.meetingId}"]`)).toBeVisible();
  await expect(admin.locator(`[data-meeting-id="${b.meetingId}"]`)).toHaveCount(0);
  await admin.goto(`/admin/visits?q=${b.meetingId}`);
  await expect(admin.getByText('No visit matches.')).toBeVisible();
  await admin.goto(`/admin/visits?integration=${b.id}`);
  await expect(admin.locator(`[data-meeting-id="${b.meetingId}"]`)).toHaveCount(0);

  // Notification Records: the list, a search for B's meeting, and B's record by URL.
  await admin.goto('/admin/notifications');
  await expect(admin.getByText(a.meetingId)).toBeVisible();
  await expect(admin.getByText(b.meetingId)).toHaveCount(0);
  await admin.goto(`/admin/notifications?q=${b.meetingId}`);
  await expect(admin.getByText('No notification records match.')).toBeVisible();
  expect((await admin.goto(`/admin/notifications/${a.notificationId}`))!.status()).toBe(200);
  expect((await admin.goto(`/admin/notifications/${b.notificationId}`))!.status()).toBe(404);
  // A refusal is a styled page inside the navigation, which offers only what this admin may open.
  await expect(admin.getByRole('heading', { name: 'Not found' })).toBeVisible();
  const sections = admin.getByRole('navigation', { name: 'Admin sections' });
  await expect(sections.getByRole('link', { name: 'Visits' })).toBeVisible();
  await expect(sections.getByRole('link', { name: 'Audit' })).toHaveCount(0);
  await expect(sections.getByRole('link', { name: 'Server settings' })).toHaveCount(0);

  // Users: the owner, themselves and A's admins; never B's admin or B's provider.
  await admin.goto('/admin/users');
  const administrators = admin.getByRole('list', { name: 'Administrators' });
  await expect(administrators.getByText(adminA)).toBeVisible();
  await expect(administrators.getByText(adminB)).toHaveCount(0);
  await expect(admin.getByText(a.providerEmail)).toBeVisible();
  await expect(admin.getByText(b.providerEmail)).toHaveCount(0);
  await expect(admin.getByText(b.name)).toHaveCount(0);

  // Rooms, and the integrations offered for sample links.
  await admin.goto('/admin/rooms');
  await expect(admin.getByRole('row', { name: a.roomName })).toBeVisible();
  await expect(admin.getByRole('row', { name: b.roomName })).toHaveCount(0);
  await admin.goto(`/admin/rooms?integration=${b.id}`);
  await expect(admin.getByRole('row', { name: b.roomName })).toHaveCount(0);
  await admin.goto('/admin/launch-links');
  await expect(admin.getByLabel('Integration')).not.toContainText(b.name);

  // Every action, sent with B's ids in place of A's.
  await craftActionsFor(admin, a, b);

  await admin.goto('/admin/visits');
  await actionAnswered(admin, () => admin.getByRole('button', { name: /^End visit / }).first().click());
  expect(await query('select state from meetings where id = $1', [b.meetingId])).toEqual([{ state: 'waiting' }]);

  await admin.goto('/admin/users');
  await actionAnswered(admin, () => admin.getByRole('button', { name: /^Remove provider / }).click());
  expect(await query('select 1 from providers where email = $1', [b.providerEmail])).toHaveLength(1);

  await admin.goto('/admin/rooms');
  await actionAnswered(admin, () => admin.getByRole('button', { name: `New pairing code for ${a.roomName}` }).click());
  await actionAnswered(admin, () => admin.getByRole('button', { name: `Remove ${a.roomName}` }).click());
  expect(await query('select pairing_code_hash from rooms where name = $1', [b.roomName])).toEqual([{ pairing_code_hash: null }]);
  // Add a room: the form's choice of A goes out as B.
  await admin.getByLabel('Room name').fill(`Sneaky ${stamp}`);
  await actionAnswered(admin, () => admin.getByRole('button', { name: 'Add room' }).click());
  expect(await query('select 1 from rooms where name = $1', [`Sneaky ${stamp}`])).toHaveLength(0);

  await admin.goto('/admin/launch-links');
  await admin.getByLabel('ExternalID').fill('E123');
  await actionAnswered(admin, () => admin.getByRole('button', { name: 'Generate link' }).click());
  await expect(admin.getByTestId('sample-link-status')).not.toBeEmpty();
  await expect(admin.getByText(b.encryptionKey)).toHaveCount(0);

  await admin.goto(`/admin/settings?integration=${a.id}`);
  await actionAnswered(admin, () => admin.getByRole('button', { name: 'Send test notification' }).click());
  expect(await query('select 1 from notifications where integration_id = $1 and is_test', [b.id])).toHaveLength(0);
  await actionAnswered(admin, () => admin.getByRole('button', { name: 'Check this integration' }).click());
  await expect(admin.getByTestId('integration-check-status')).toHaveText('There is no saved integration of yours to check.');
  expect(await query('select 1 from notifications where integration_id = $1 and is_test', [b.id])).toHaveLength(0);
  expect(await query("select 1 from audit_log where action = 'integration.check' and target = $1", [`integration ${b.encryptionKey}`])).toHaveLength(0);

  // A itself is unchanged by all this too: each action went to B, and B refused it.
  expect(await query('select state from meetings where id = $1', [a.meetingId])).toEqual([{ state: 'waiting' }]);
  expect(await query('select 1 from rooms where name = $1', [a.roomName])).toHaveLength(1);
  await context.close();
});
