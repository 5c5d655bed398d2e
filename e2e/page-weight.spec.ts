import { gzipSync } from 'node:zlib';
import { expect, test, type Page } from '@playwright/test';
import { launchPath, seedIntegration, uniqueSessionId } from './support/epic';

// The patient's page is opened on phones over mobile networks: its JavaScript may be at most the
// framework's own floor (a bare not-found page of the same build) plus 15 KB, compressed. Bytes do
// not vary with the machine's load, so this is a test; times are for bench/.
const BUDGET_OVER_FLOOR = 15 * 1024;
test.use({ storageState: { cookies: [], origins: [] }, viewport: { width: 360, height: 740 } });

/** Every script the page loaded, each gzipped as a server would send it, summed. */
async function scriptBytes(page: Page, open: () => Promise<void>, ready: () => Promise<void>): Promise<{ total: number; files: Map<string, number> }> {
  const files = new Map<string, number>();
  const pending: Promise<void>[] = [];
  page.on('response', (response) => {
    if (response.request().resourceType() !== 'script') return;
    pending.push(response.body().then((body) => void files.set(new URL(response.url()).pathname, gzipSync(body).length)));
  });
  await open();
  await ready();
  await page.waitForLoadState('networkidle');
  await Promise.all(pending);
  return { total: [...files.values()].reduce((sum, size) => sum + size, 0), files };
}

test("the patient's waiting room carries at most 15 KB of JavaScript over the framework's floor", async ({ page, browser }) => {
  const integration = await seedIntegration({ admittance_policy: 'manual' });
  const floor = await scriptBytes(
    page,
    async () => void (await page.goto('/no-such-page-for-the-weight-check')),
    async () => expect(page.getByRole('heading', { level: 1 })).toBeVisible(),
  );
  const patientContext = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const patient = await patientContext.newPage();
  const visit = await scriptBytes(
    patient,
    async () => void (await patient.goto(launchPath(integration, { SessionID: uniqueSessionId(), UserType: 'Patient', ExternalID: 'PATWEIGHT', FirstName: 'Ana' }))),
    async () => expect(patient.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting'),
  );
  const over = visit.total - floor.total;
  const extra = [...visit.files].filter(([file]) => !floor.files.has(file)).sort((a, b) => b[1] - a[1]);
  console.log(
    `patient page JavaScript ${(visit.total / 1024).toFixed(1)} KB, not-found page ${(floor.total / 1024).toFixed(1)} KB, over the floor ${(over / 1024).toFixed(1)} KB (budget 15 KB)\n` +
      extra.map(([file, size]) => `  ${(size / 1024).toFixed(1).padStart(6)} KB ${file}`).join('\n'),
  );
  await patientContext.close();
  expect(over).toBeLessThanOrEqual(BUDGET_OVER_FLOOR);
});
