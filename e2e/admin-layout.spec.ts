import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { query } from './support/database';
import { seedIntegration, uniqueSessionId } from './support/epic';

// The admin pages as the analyst tried them, at a laptop's 1280 px and a phone's 360 px: axe finds
// nothing, the page never scrolls sideways (a wide table scrolls inside its own labelled region),
// and the things the walk found clipped or squeezed are whole.

const PAGES = ['/admin/integrations', '/admin/settings', '/admin/rooms', '/admin/visits', '/admin/launch-log', '/admin/notifications', '/admin/launch-links', '/admin/server', '/admin/users', '/admin/sessions', '/admin/password', '/admin/two-step', '/admin/audit'];

async function expectFits(page: Page, width: number) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  // Nothing outside a table's scroll region reaches past the page's right edge.
  const overflowing = await page.evaluate((pageWidth) => {
    const wide: string[] = [];
    for (const element of document.querySelectorAll('body *')) {
      if (element.closest('[role="region"]') || element.closest('.sr-only')) continue;
      const box = element.getBoundingClientRect();
      if (box.width > 0 && box.right > pageWidth + 1) wide.push(`${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}`);
    }
    return wide;
  }, width);
  expect(overflowing).toEqual([]);
}

let meetingId: string;
let sessionId: string;

test.beforeAll(async () => {
  const integration = await seedIntegration({ name: `Layout org ${Date.now()}` });
  sessionId = uniqueSessionId();
  const [meeting] = await query<{ id: string }>(
    "insert into meetings (integration_id, visit_key, session_id, admittance_policy, default_host_email, state, started_at) values ($1, $2, $2, 'automatic', 'host@hospital.example', 'active', now()) returning id",
    [integration.id, sessionId],
  );
  meetingId = meeting!.id;
  await query(
    `insert into participants (meeting_id, user_type, epic_user_id, first_name, last_name, admission, guest_role, language) values
      ($1, 'Provider', 'EMP77', 'Lee', 'Chen', 'admitted', null, null),
      ($1, 'Patient', 'PAT77', 'Ana', 'Lopez', 'admitted', null, null),
      ($1, 'Guest', 'guest-77', 'Maria', 'Ruiz', 'admitted', 'interpreter', 'Spanish')`,
    [meetingId],
  );
  await query("insert into launch_log (encryption_key, integration_id, outcome, detail, session_id) values ($1, $2, 'expired', 'The link expired at 2026-01-02T03:04:05.000Z', $3)", [
    integration.encryptionKey,
    integration.id,
    sessionId,
  ]);
  await query("insert into notifications (integration_id, kind, meeting_id, session_id, status, ordering_key, body, state, attempts, resp_code) values ($1, 'connection_status', $2, $3, 'Connected', $4, '{}', 'delivered', 1, 200)", [
    integration.id,
    meetingId,
    sessionId,
    `layout:${meetingId}`,
  ]);
});

for (const width of [1280, 360]) {
  test(`every admin page passes axe and fits at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    for (const path of PAGES) {
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await test.step(path, () => expectFits(page, width));
    }
  });
}

test('at 1280 px nothing is clipped, rows are short, and the Notification Records search holds a meeting ID', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const within = async (inner: ReturnType<Page['locator']>, outer: ReturnType<Page['locator']>) => {
    const [a, b] = [await inner.boundingBox(), await outer.boundingBox()];
    expect(a!.x + a!.width).toBeLessThanOrEqual(b!.x + b!.width + 1);
  };

  await page.goto(`/admin/visits?q=${meetingId}`);
  const row = page.locator(`[data-meeting-id="${meetingId}"]`);
  await within(row.getByRole('button', { name: /^End visit / }), page.getByRole('region', { name: 'Visits' }));
  // Three people, each on at most two lines: the walk found 300 px rows from one squeezed column.
  expect((await row.boundingBox())!.height).toBeLessThan(200);
  // Guests are listed with their role and language.
  await expect(row.getByTestId('guest-role')).toHaveText('(Interpreter, Spanish)');

  await page.goto('/admin/notifications');
  const search = page.getByLabel('Meeting ID or Epic session ID');
  expect((await search.boundingBox())!.width).toBeGreaterThanOrEqual(320);
  await search.fill(meetingId);
  expect(await search.evaluate((input: HTMLInputElement) => input.scrollWidth <= input.clientWidth)).toBe(true);
  expect((await page.getByText('Meeting ID or Epic session ID').boundingBox())!.height).toBeLessThan(30);

  // The Launch log: found by SessionID; the expiry in local time, UTC on hover; the Meeting ID column whole.
  await page.goto('/admin/launch-log');
  await page.getByLabel('SessionID or Meeting ID').fill(sessionId);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(new RegExp(`q=${sessionId}`));
  const launches = page.getByRole('region', { name: 'Launches' });
  await expect(launches.getByRole('row')).toHaveCount(2);
  const expiry = launches.locator('time[title="2026-01-02 03:04:05 UTC"]');
  await expect(expiry).toBeVisible();
  await expect(expiry).not.toContainText('T03:04');
  await expect(launches).not.toContainText('2026-01-02T03:04:05.000Z');

  // A bad filter gets a message beside the filters, not a server error; the current section is marked.
  expect((await page.goto('/admin/visits?from=2026-99-01'))!.status()).toBe(200);
  await expect(page.getByText('from: Not a date')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Visits' })).toHaveAttribute('aria-current', 'page');

  // The scroll region is reachable by keyboard.
  await page.goto(`/admin/launch-log?q=${sessionId}`);
  await launches.focus();
  await expect(launches).toBeFocused();
});
