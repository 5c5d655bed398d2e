import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ADMIN_STATE } from '../playwright.config';
import { startApp, type AppServer } from './support/app-server';
import { launchPath, seedIntegration, uniqueSessionId, type TestIntegration } from './support/epic';
import { startTurnServer, type TurnServer } from './support/turn-server';
import { connectedPeerConnections, expectRemoteVideoPlaying, openRecordedPage, selectedCandidateTypes } from './support/webrtc';

// Visits forced through a TURN relay (Debian's coturn on 127.0.0.1, with the short-lived
// credentials Televisit mints), as on the networks where patients really are. A second app server
// on the e2e database has ICE_TRANSPORT_POLICY=relay, so no direct path can be taken.
const PORT = 3215;
const TURN_PORT = 3479;

test.describe('a visit through the relay', () => {
  test.use({ storageState: { cookies: [], origins: [] }, baseURL: `http://127.0.0.1:${PORT}` });
  let turn: TurnServer;
  let app: AppServer;
  let integration: TestIntegration;

  test.beforeAll(async () => {
    const secret = randomBytes(24).toString('base64url');
    turn = await startTurnServer({ port: TURN_PORT, secret, logFile: path.resolve('test-results/turnserver.log'), minPort: 49160, maxPort: 49260 });
    app = await startApp({
      port: PORT,
      env: {
        ...JSON.parse(process.env.E2E_APP_ENV!),
        NEXTAUTH_URL: `http://127.0.0.1:${PORT}`,
        TURN_URLS: turn.url,
        TURN_SECRET: secret,
        // Short, so the page's renewal is exercised too.
        TURN_CREDENTIAL_TTL_SECONDS: '120',
        ICE_TRANSPORT_POLICY: 'relay',
      },
      logFile: path.resolve('test-results/app-server-relay.log'),
    });
    integration = await seedIntegration();
  });
  test.afterAll(async () => {
    await app?.stop();
    await turn?.stop();
  });

  test('both sides see and hear each other through the relay, and video comes back after the relay stops for 10 s', async ({ browser }) => {
    test.setTimeout(120_000);
    const sessionId = uniqueSessionId();
    const patient = await openRecordedPage(browser, app.url + launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT600', FirstName: 'Ana' }));
    const provider = await openRecordedPage(browser, app.url + launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP600', FirstName: 'Lee', LastName: 'Chen' }));
    await expectRemoteVideoPlaying(provider);
    await expectRemoteVideoPlaying(patient);
    expect(await selectedCandidateTypes(patient)).toEqual(['relay/relay']);
    expect(await selectedCandidateTypes(provider)).toEqual(['relay/relay']);
    // The credentials are this participant's own and expire: <expiry>:<participant id>.
    const username = await patient.evaluate(() => (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections[0]!.getConfiguration().iceServers?.find((server) => server.username)?.username);
    expect(username).toMatch(/^\d{10}:[0-9a-f-]{36}$/);

    // The relay stops (the media path is cut, the app is not): both pages say so, then recover.
    await patient.evaluate(() => ((window as unknown as { __reloaded: boolean }).__reloaded = false));
    const fragmentBefore = await localIceFragment(patient);
    turn.pause();
    await expect(patient.getByText('Reconnecting…').first()).toBeVisible({ timeout: 15_000 });
    // The link's own checks through the relay get no answer: its ICE says the path is gone.
    await expect.poll(() => iceStates(patient), { timeout: 15_000 }).toEqual([expect.stringMatching(/^(disconnected|failed)$/)]);
    // The page does not wait for the relay: it restarts ICE while the relay is still down (new ICE
    // credentials on the same link), which is what brings the video back once the relay returns.
    await expect.poll(() => localIceFragment(patient), { timeout: 20_000 }).not.toBe(fragmentBefore);
    const stalled = await Promise.all([frames(patient), frames(provider)]);
    turn.resume();
    // The video moves again on both sides: each page decodes new frames in the tile it had. Waited
    // for, not read once: expectRemoteVideoPlaying would pass at once here (it measures a tile from
    // when it was first seen, before the relay stopped), and a read right after it raced the
    // recovery (the restarted ICE waits on its next try at the relay: a second here, more on a busy
    // machine).
    await expect.poll(() => frames(patient), { timeout: 30_000 }).toBeGreaterThan(stalled[0] + 5);
    await expect.poll(() => frames(provider), { timeout: 30_000 }).toBeGreaterThan(stalled[1] + 5);
    // Without a reload: the marker set before the drop is still there.
    expect(await patient.evaluate(() => (window as unknown as { __reloaded?: boolean }).__reloaded)).toBe(false);
    await expect.poll(() => connectedPeerConnections(patient), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => connectedPeerConnections(provider), { timeout: 15_000 }).toBe(1);
    await patient.context().close();
    await provider.context().close();
  });

  test('a second device takes the place: the first is told and stops its media; one connection per pair throughout', async ({ browser }) => {
    test.setTimeout(90_000);
    const sessionId = uniqueSessionId();
    const link = app.url + launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT601', FirstName: 'Bo' });
    const phone = await openRecordedPage(browser, link);
    const provider = await openRecordedPage(browser, app.url + launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP601', FirstName: 'Sam' }));
    await expectRemoteVideoPlaying(phone);
    await expectRemoteVideoPlaying(provider);

    // Reloads and rejoins leave one connected peer connection per side.
    await phone.reload();
    await expectRemoteVideoPlaying(phone);
    await provider.getByRole('button', { name: 'Leave' }).click();
    await provider.getByRole('button', { name: 'Rejoin the visit' }).click();
    await expectRemoteVideoPlaying(provider);
    await expect.poll(() => connectedPeerConnections(phone), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => connectedPeerConnections(provider), { timeout: 15_000 }).toBe(1);

    const laptop = await openRecordedPage(browser, link, { width: 1280 });
    await expectRemoteVideoPlaying(laptop);
    await expect(phone.getByText('You joined from another device')).toBeVisible();
    // The phone let go of its camera and microphone, and of its connection.
    await expect.poll(() => phone.evaluate(() => (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.every((pc) => pc.connectionState === 'closed'))).toBe(true);
    await expect.poll(() => phone.evaluate(() => document.querySelectorAll('video').length)).toBe(0);
    await expectRemoteVideoPlaying(provider);
    await expect.poll(() => connectedPeerConnections(provider), { timeout: 15_000 }).toBe(1);
    for (const page of [phone, provider, laptop]) await page.context().close();
  });

  test("the integration check gets an allocation from the relay with this server's credentials, and says so when the relay does not answer", async ({ browser }) => {
    test.setTimeout(60_000);
    const context = await browser.newContext({ storageState: ADMIN_STATE, baseURL: app.url });
    const page = await context.newPage();
    await page.goto(`/admin/settings?integration=${integration.id}`);
    const relay = async () => {
      await page.getByRole('button', { name: 'Check this integration' }).click();
      const list = page.getByRole('list', { name: 'Integration check' });
      await expect(list).toBeVisible({ timeout: 20_000 });
      return list.locator(`li[data-check="Relay ${turn.url}"]`);
    };
    await expect(await relay()).toHaveText(/^Passed Relay .*gave an allocation \(127\.0\.0\.1:\d+\)/, { timeout: 20_000 });
    turn.pause();
    try {
      await expect(await relay()).toHaveText(/^Failed Relay .*nothing answered on UDP 127\.0\.0\.1:3479.*static-auth-secret/, { timeout: 20_000 });
    } finally {
      turn.resume();
    }
    await context.close();
  });
});

/** Video frames decoded so far by the page's (first) remote video. */
function frames(page: Page): Promise<number> {
  return page.getByTestId('remote-video').first().evaluate((element: HTMLVideoElement) => element.getVideoPlaybackQuality().totalVideoFrames);
}

/** The ICE state of each peer connection the page made that is not closed. */
function iceStates(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.filter((pc) => pc.connectionState !== 'closed').map((pc) => pc.iceConnectionState));
}

/** The ICE username fragment the page's first open link uses now: it changes with an ICE restart. */
function localIceFragment(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const pc = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.find((candidate) => candidate.connectionState !== 'closed');
    return /a=ice-ufrag:(\S+)/.exec(pc?.localDescription?.sdp ?? '')?.[1] ?? null;
  });
}
