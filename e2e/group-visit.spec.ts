import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { startApp, type AppServer } from './support/app-server';
import Janode, { type JanodeConnection } from 'janode';
import { visitRoomFeeds } from '../lib/media-server/visit-rooms';
import { appMasterKey, launchPath, seedIntegration, uniqueSessionId, type TestIntegration } from './support/epic';
import { startJanus, type MediaServer } from './support/janus';
import { launchVisitor, openStream, type OpenStream } from './support/visit';
import { decodingVideos, openRecordedPage, selectedCandidatePairs } from './support/webrtc';

// A visit larger than browsers can send to each other: its video goes through Debian's Janus, which
// our server drives. Each page sends its camera once and receives the others on one connection.
const APP_PORT = 3235;
const JANUS_PORT = 3298;
const RTP_PORTS: [number, number] = [40200, 40299];
const API_SECRET = 'e2e-group-visit-janus-secret-0123';
/**
 * Five in npm test: six live-video pages on this 2-core machine (load above 20) passed some runs and
 * timed out in others (GROUP_VISIT_PEOPLE=6 runs six). The restart has its own, smaller, visit.
 */
const PEOPLE = Number(process.env.GROUP_VISIT_PEOPLE ?? 5);
const JANUS_OPTIONS = { port: JANUS_PORT, rtpPorts: RTP_PORTS, apiSecret: API_SECRET, logFile: path.resolve('test-results/janus-group-visit.log') };

test.describe('a group visit through the media server', () => {
  test.use({ storageState: { cookies: [], origins: [] } });
  let janus: MediaServer;
  let app: AppServer;
  let integration: TestIntegration;

  test.beforeAll(async () => {
    janus = await startJanus(JANUS_OPTIONS);
    app = await startApp({
      port: APP_PORT,
      env: { ...(JSON.parse(process.env.E2E_APP_ENV!) as Record<string, string>), NEXTAUTH_URL: `http://127.0.0.1:${APP_PORT}`, JANUS_URL: janus.url, JANUS_API_SECRET: API_SECRET },
      logFile: path.resolve('test-results/app-server-group-visit.log'),
    });
    integration = await seedIntegration({ admittance_policy: 'automatic', largest_visit: 6 });
  });
  test.afterAll(async () => {
    await connection?.close().catch(() => undefined);
    await app?.stop();
    await janus?.stop();
  });

  /** The publishers in the visit's room in Janus, asked as our server asks (null: no room). */
  let connection: JanodeConnection | undefined;
  async function roomFeeds(meetingId: string): Promise<number[] | null> {
    if (!connection) {
      Janode.Logger.setLevel('none');
      connection = await Janode.connect({ address: { url: janus.url, apisecret: API_SECRET }, max_retries: 0 });
    }
    const session = await connection.create();
    try {
      return await visitRoomFeeds(meetingId, { session, masterKey: appMasterKey() });
    } finally {
      await session.destroy().catch(() => undefined);
    }
  }

  test(`${PEOPLE} people: each decodes the other ${PEOPLE - 1} through Janus, never peer to peer, at the layer its tiles need; Remove stops a person's media; End leaves no room`, async ({ browser }) => {
    test.setTimeout(360_000);
    const sessionId = uniqueSessionId();
    const link = (userType: 'Provider' | 'Patient', index: number) =>
      app.url + launchPath(integration, { SessionID: sessionId, UserType: userType, ExternalID: `GRP${index}`, FirstName: `Person${index}`, LastName: userType === 'Provider' ? 'Chen' : 'Diaz' });
    const provider = await openRecordedPage(browser, link('Provider', 0), { width: 1280 });
    const others: Page[] = [];
    for (let index = 1; index < PEOPLE; index++) others.push(await openRecordedPage(browser, link('Patient', index)));
    const everyone = [provider, ...others];

    for (const page of everyone) await expect.poll(() => decodingVideos(page), { timeout: 90_000 }).toBe(PEOPLE - 1);
    for (const page of everyone) await expectOnlyJanus(page);
    // Screen sharing does not go through the media server yet: no button that would send nothing.
    await expect(provider.getByRole('button', { name: 'Share screen' })).toHaveCount(0);

    // Simulcast: each page receives the layer its tiles need. A phone shows one person large and
    // the others in its strip: those come at 180 lines (the small layer). The laptop's grid shows
    // everyone large: it gets the 360-line layer (of those whose browser sends it now: a
    // browser short of CPU stops sending its top layer, and Janus falls back to the small one).
    await expect.poll(async () => (await receivedHeights(others[1]!)).slice(0, PEOPLE - 2), { timeout: 30_000 }).toEqual(Array(PEOPLE - 2).fill(180));
    await expect.poll(async () => (await receivedHeights(provider)).at(-1), { timeout: 30_000 }).toBe(360);

    // Remove: the person's page is told, their feed leaves the room at once, and everyone else
    // stops receiving them.
    const meetingId = new URL(provider.url()).pathname.split('/')[2]!;
    expect(await roomFeeds(meetingId)).toHaveLength(PEOPLE);
    provider.on('dialog', (dialog) => void dialog.accept());
    await provider.getByRole('button', { name: 'People' }).click();
    const removed = others[0]!;
    // Timed from the page's request (a click on a page this busy can take seconds to land).
    const removing = provider.waitForRequest((request) => request.method() === 'POST' && request.url().endsWith('/actions')).then(() => Date.now());
    await provider.getByRole('region', { name: 'People' }).getByTestId('people-in-call').getByRole('button', { name: 'Remove Person1 Diaz' }).click();
    await expect.poll(() => roomFeeds(meetingId), { timeout: 60_000 }).toHaveLength(PEOPLE - 1);
    // Measured, not asserted (a time on this loaded machine is no evidence): the report shows it.
    const removeTime = `${Date.now() - (await removing)} ms`;
    test.info().annotations.push({ type: 'Remove request to feed gone', description: removeTime });
    console.log(`Remove request to feed gone: ${removeTime}`);
    await expect(removed.getByText('You are not in the visit right now.')).toBeVisible();
    for (const page of [provider, ...others.slice(1)]) await expect.poll(() => decodingVideos(page), { timeout: 60_000 }).toBe(PEOPLE - 2);

    // End: the room is gone from Janus.
    await provider.getByRole('button', { name: 'End visit for everyone' }).click();
    await expect.poll(() => roomFeeds(meetingId), { timeout: 10_000 }).toBeNull();
    for (const page of everyone) await page.context().close();
  });

  test('Janus killed and started again mid-visit: the pages say so, then everyone sees everyone again without reloading', async ({ browser }) => {
    test.setTimeout(240_000);
    const sessionId = uniqueSessionId();
    const link = (userType: 'Provider' | 'Patient', index: number) =>
      app.url + launchPath(integration, { SessionID: sessionId, UserType: userType, ExternalID: `RST${index}`, FirstName: `Person${index}`, LastName: 'Ito' });
    const provider = await openRecordedPage(browser, link('Provider', 0), { width: 1280 });
    const others = [await openRecordedPage(browser, link('Patient', 1)), await openRecordedPage(browser, link('Patient', 2))];
    const everyone = [provider, ...others];
    for (const page of everyone) await expect.poll(() => decodingVideos(page), { timeout: 90_000 }).toBe(2);

    // Janus comes back with no rooms and none of our handles. While it is down the pages say so;
    // then the server makes the room again, and every page, told by the server, starts its call again.
    await connection?.close().catch(() => undefined);
    connection = undefined;
    await janus.stop();
    for (const page of everyone) await expect(page.getByTestId('visit-status')).toHaveText('Video is not available right now. Trying again…', { timeout: 30_000 });
    janus = await startJanus(JANUS_OPTIONS);
    const backAt = Date.now();
    for (const page of everyone) await expect.poll(() => decodingVideos(page), { timeout: 90_000 }).toBe(2);
    // Measured, not asserted: the report shows it.
    test.info().annotations.push({ type: 'Janus back to every page decoding', description: `${Date.now() - backAt} ms` });
    console.log(`Janus back to every page decoding: ${Date.now() - backAt} ms`);
    for (const page of everyone) await expectOnlyJanus(page);
    for (const page of everyone) await expect(page.getByTestId('visit-status')).not.toHaveText(/not available/);
    for (const page of everyone) await page.context().close();
  });

  test('twelve people: on a laptop a grid of eleven tiles, on a phone the speaker and a strip of ten, all named, none off screen', async ({ browser }) => {
    test.setTimeout(240_000);
    const largest = await seedIntegration({ admittance_policy: 'automatic', largest_visit: 12 });
    const sessionId = uniqueSessionId();
    const fields = (userType: 'Provider' | 'Patient', index: number) => ({ SessionID: sessionId, UserType: userType, ExternalID: `BIG${index}`, FirstName: `Member${index}`, LastName: 'Okafor' });
    const laptop = await openRecordedPage(browser, app.url + launchPath(largest, fields('Provider', 0)), { width: 1280 });
    // Ten who joined by phone with their cameras off: in the call (their push streams open), without
    // a browser each, which two cores could not run beside two pages with video.
    const listeners: OpenStream[] = [];
    for (let index = 1; index <= 10; index++) {
      const visitor = await launchVisitor(app.url, largest, fields('Patient', index));
      const stream = await openStream(app.url, visitor);
      listeners.push(stream);
      await expect.poll(() => stream.state()?.connectionId).toBeTruthy();
      const media = await fetch(`${app.url}/api/visits/${visitor.meetingId}/media`, {
        method: 'POST',
        headers: { Cookie: visitor.cookie, 'Content-Type': 'application/json' },
        body: JSON.stringify({ connectionId: stream.state()!.connectionId, micOn: false, cameraOn: false }),
      });
      expect(media.status).toBe(204);
    }
    const phone = await openRecordedPage(browser, app.url + launchPath(largest, fields('Patient', 11)), { width: 360 });

    // The two with cameras see each other through Janus, among the eleven.
    await expect.poll(() => decodingVideos(laptop), { timeout: 90_000 }).toBe(1);
    await expect.poll(() => decodingVideos(phone), { timeout: 90_000 }).toBe(1);

    // The laptop: a grid of eleven equal tiles (4 by 3), each whole on screen, none over another.
    const grid = laptop.getByTestId('call-grid').getByTestId('tile');
    await expect(grid).toHaveCount(11);
    const boxes = await boxesOf(grid);
    for (const box of boxes) {
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(1280);
      expect(box.y + box.height).toBeLessThanOrEqual(800);
      expect(box.width).toBeGreaterThan(200);
      expect(box.height).toBeGreaterThan(100);
    }
    for (const [index, box] of boxes.entries()) for (const other of boxes.slice(index + 1)) expect(overlaps(box, other)).toBe(false);
    for (let index = 1; index <= 11; index++) await expect(laptop.getByTestId('call-grid').getByText(`Member${index} Okafor`, { exact: true })).toBeVisible();
    // The status line names two and counts the rest: eleven names took a third of a phone's screen.
    for (const page of [laptop, phone]) await expect(page.getByTestId('visit-status')).toHaveText(/^In the visit with Member\d+ Okafor, Member\d+ Okafor and 9 others$/);

    // The phone: the speaker large, the ten others in a strip that scrolls sideways (reached by
    // keyboard); the page itself never wider than the phone.
    const strip = phone.getByTestId('tile-strip');
    await expect(strip.getByTestId('tile')).toHaveCount(10);
    await expect(phone.getByTestId('tile')).toHaveCount(11);
    expect(await strip.evaluate((element) => element.scrollWidth > element.clientWidth)).toBe(true);
    const last = strip.getByTestId('tile').last();
    await strip.focus();
    await expect(strip).toBeFocused();
    for (let press = 0; press < 80 && !(await isInside(last, 360)); press++) await phone.keyboard.press('ArrowRight');
    expect(await isInside(last, 360)).toBe(true);
    for (const page of [laptop, phone]) {
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
      const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
    }
    await laptop.screenshot({ path: test.info().outputPath('twelve-at-1280.png') });
    await phone.screenshot({ path: test.info().outputPath('twelve-at-360.png') });

    for (const stream of listeners) stream.close();
    for (const page of [laptop, phone]) await page.context().close();
  });
});

type Box = { x: number; y: number; width: number; height: number };

async function boxesOf(locator: Locator): Promise<Box[]> {
  const boxes: Box[] = [];
  for (const element of await locator.all()) boxes.push((await element.boundingBox())!);
  return boxes;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Whether the element is wholly within the page's width now. */
async function isInside(locator: Locator, width: number): Promise<boolean> {
  const box = await locator.boundingBox();
  return box !== null && box.x >= 0 && box.x + box.width <= width;
}

/** Every connection of the page goes to Janus' RTP ports: two (sending, receiving), none to a browser. */
async function expectOnlyJanus(page: Page): Promise<void> {
  const ports = (await selectedCandidatePairs(page)).map((pair) => pair.remotePort);
  expect(ports).toHaveLength(2);
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(RTP_PORTS[0]);
    expect(port).toBeLessThanOrEqual(RTP_PORTS[1]);
  }
}

/** The height of each video the page receives now (its simulcast layer), smallest first. */
async function receivedHeights(page: Page): Promise<number[]> {
  const heights = await page.evaluate(async () => {
    const found: number[] = [];
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState !== 'connected') continue;
      (await pc.getStats()).forEach((entry: RTCStats & { kind?: string; frameHeight?: number }) => {
        if (entry.type === 'inbound-rtp' && entry.kind === 'video' && entry.frameHeight) found.push(entry.frameHeight);
      });
    }
    return found;
  });
  return heights.sort((a, b) => a - b);
}
