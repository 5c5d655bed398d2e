import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startApp, type AppServer } from './support/app-server';
import { startJanus, type MediaServer } from './support/janus';

// The media server of group visits (Janus, JANUS_URL), as the admin sees it: a server of its own,
// on the shared database, with Debian's Janus beside it. Janus is killed and comes back; the app
// notices both by itself, and says so in /metrics and on the Notification Records page.
const APP_PORT = 3234;
const JANUS_PORT = 3296;
const RTP_PORTS: [number, number] = [40000, 40099];
const API_SECRET = 'e2e-janus-api-secret-0123456789';

test.describe('media server', () => {
  test.describe.configure({ mode: 'serial' });
  let janus: MediaServer | undefined;
  let app: AppServer | undefined;
  const janusLog = path.resolve('test-results/janus.log');
  const appEnv = () => JSON.parse(process.env.E2E_APP_ENV!) as Record<string, string>;

  const startWith = async (env: Record<string, string>) => {
    app = await startApp({
      port: APP_PORT,
      env: { ...appEnv(), NEXTAUTH_URL: `http://127.0.0.1:${APP_PORT}`, ...env },
      logFile: path.resolve('test-results/app-server-media-server.log'),
    });
  };
  const mediaServerUp = async () => {
    const response = await fetch(`${app!.url}/metrics`, { headers: { Authorization: `Bearer ${appEnv().METRICS_TOKEN}` } });
    return /^televisit_media_server_up\{media_server="janus"\} (\d)$/m.exec(await response.text())?.[1] ?? 'absent';
  };

  test.afterEach(async () => {
    await app?.stop();
    app = undefined;
    await janus?.stop();
    janus = undefined;
  });

  test('up once the server connects; down, with why, when Janus dies; up again by itself when Janus is back', async ({ page }) => {
    test.setTimeout(120_000);
    janus = await startJanus({ port: JANUS_PORT, rtpPorts: RTP_PORTS, apiSecret: API_SECRET, logFile: janusLog });
    await startWith({ JANUS_URL: janus.url, JANUS_API_SECRET: API_SECRET });
    await expect.poll(mediaServerUp).toBe('1');
    await page.goto(`${app!.url}/admin/notifications`);
    await expect(page.getByTestId('media-server')).toContainText('Media server (group visits): up since');

    await janus.stop();
    await expect.poll(mediaServerUp).toBe('0');
    await page.reload();
    await expect(page.getByTestId('media-server')).toContainText('Media server (group visits): down since');
    await expect(page.getByTestId('media-server')).toContainText('Last try:');
    await expect(page.getByTestId('media-server')).not.toContainText(API_SECRET);

    janus = await startJanus({ port: JANUS_PORT, rtpPorts: RTP_PORTS, apiSecret: API_SECRET, logFile: janusLog });
    // The retries back off to one every 10 s.
    await expect.poll(mediaServerUp, { timeout: 20_000 }).toBe('1');
    await page.reload();
    await expect(page.getByTestId('media-server')).toContainText('Media server (group visits): up since');
  });

  test('a wrong API secret is down, with Janus\' answer; without JANUS_URL there is no media server to show', async ({ page }) => {
    test.setTimeout(120_000);
    janus = await startJanus({ port: JANUS_PORT, rtpPorts: RTP_PORTS, apiSecret: API_SECRET, logFile: janusLog });
    await startWith({ JANUS_URL: janus.url, JANUS_API_SECRET: 'not-the-secret' });
    await expect.poll(mediaServerUp).toBe('0');
    await page.goto(`${app!.url}/admin/notifications`);
    await expect(page.getByTestId('media-server')).toContainText(/down since .*Last try: .*secret/i);
    await app!.stop();
    await startWith({});
    await expect.poll(mediaServerUp).toBe('absent');
    await page.goto(`${app!.url}/admin/notifications`);
    await expect(page.getByRole('heading', { name: 'Notification Records' })).toBeVisible();
    await expect(page.getByTestId('media-server')).toHaveCount(0);
  });
});
