import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startApp, type AppServer } from './support/app-server';
import { query } from './support/database';
import { launchPath, seedIntegration, uniqueSessionId } from './support/epic';

// Two app servers behind one (imaginary) load balancer, sharing the PostgreSQL: the push
// channel must reach a browser connected to the other server.
test.describe('two app servers on one PostgreSQL', () => {
  test.use({ storageState: { cookies: [], origins: [] } });
  let second: AppServer | undefined;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    second = await startApp({
      port: 3211,
      env: { ...JSON.parse(process.env.E2E_APP_ENV!), NEXTAUTH_URL: 'http://127.0.0.1:3211' },
      logFile: path.resolve('test-results/app-server-second.log'),
    });
  });
  test.afterAll(async () => {
    await second?.stop();
  });

  test('a patient on one server is admitted by a provider on the other, and they see each other', async ({ browser }) => {
    const integration = await seedIntegration({ admittance_policy: 'manual' });
    const sessionId = uniqueSessionId();
    const patientContext = await browser.newContext();
    const patient = await patientContext.newPage();
    await patient.goto(process.env.E2E_BASE_URL + launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT31', FirstName: 'Dee' }));
    await expect(patient.getByTestId('visit-status')).toContainText('Waiting for the host to start this meeting');

    const providerContext = await browser.newContext();
    const provider = await providerContext.newPage();
    await provider.goto(second!.url + launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP31' }));
    await expect(patient.getByTestId('visit-status')).toContainText('Your provider will let you in soon');
    await provider.getByRole('button', { name: 'Admit Dee' }).click();

    for (const page of [patient, provider]) {
      const video = page.getByTestId('remote-video').first();
      await expect.poll(() => video.evaluate((element: HTMLVideoElement) => element.videoWidth), { timeout: 20_000 }).toBeGreaterThan(0);
    }
    const [meeting] = await query<{ state: string }>('select state from meetings where integration_id = $1', [integration.id]);
    expect(meeting!.state).toBe('active');
    await patientContext.close();
    await providerContext.close();
  });
});
