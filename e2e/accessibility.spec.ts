import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { launchPath, seedIntegration, uniqueSessionId } from './support/epic';

// The patient pages, checked by axe-core against WCAG 2.1 A and AA at phone width.
test.use({ storageState: { cookies: [], origins: [] }, viewport: { width: 360, height: 740 } });

async function expectNoViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
  // Nothing wider than the phone.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
}

test('the waiting room passes axe at 360 px', async ({ page }) => {
  const integration = await seedIntegration({ custom_text: 'Your care team will join you shortly.' });
  await page.goto(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PAT900' }));
  await expect(page.getByTestId('visit-status')).toHaveText('Waiting for the host to start this meeting');
  await expectNoViolations(page);
});

test('the device test passes axe at 360 px', async ({ page }) => {
  await page.goto('/device-test');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expectNoViolations(page);
});

test('the refused-link page passes axe at 360 px', async ({ page }) => {
  await page.goto('/launch?key=nothing&data=nothing');
  await expectNoViolations(page);
});
