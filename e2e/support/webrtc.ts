import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

// What a test needs to see of a page's WebRTC: every RTCPeerConnection it made (recorded by a
// script that runs before the page's own), which ones are connected, and the path each one took.

export const RECORD_PEER_CONNECTIONS = () => {
  const Original = window.RTCPeerConnection;
  const made: RTCPeerConnection[] = [];
  (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections = made;
  window.RTCPeerConnection = class extends Original {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      made.push(this);
    }
  } as typeof RTCPeerConnection;
};

/**
 * A phone busy as the visit's stream opens: for its first second nothing the stream says is
 * handled; then all of it is, back to back in one task (as a thread freed from a long task would),
 * so React renders it at once: the first view, the relay's credentials, the call's view.
 */
export const BUSY_AT_FIRST_EVENTS = () => {
  const Original = window.EventSource;
  let busy = false;
  window.EventSource = class extends Original {
    constructor(url: string | URL, init?: EventSourceInit) {
      super(url, init);
      if (busy) return;
      busy = true;
      const held: Array<() => void> = [];
      let holding = true;
      setTimeout(() => {
        holding = false;
        for (const handle of held.splice(0)) handle();
      }, 1000);
      const add = this.addEventListener.bind(this);
      this.addEventListener = ((type: string, listener: EventListener, options?: AddEventListenerOptions | boolean) =>
        add(type, (event: Event) => (holding ? held.push(() => listener(event)) : listener(event)), options)) as typeof this.addEventListener;
    }
  };
};

/** A page that records its peer connections; `busyAtFirstEvents`: see BUSY_AT_FIRST_EVENTS. */
export async function openRecordedPage(browser: Browser, url: string, options: { width?: number; busyAtFirstEvents?: boolean } = {}): Promise<Page> {
  const context: BrowserContext = await browser.newContext({ viewport: { width: options.width ?? 390, height: 800 }, storageState: { cookies: [], origins: [] } });
  await context.addInitScript(RECORD_PEER_CONNECTIONS);
  if (options.busyAtFirstEvents) await context.addInitScript(BUSY_AT_FIRST_EVENTS);
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

/** How many of the page's peer connections are connected now. */
export function connectedPeerConnections(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.filter((pc) => pc.connectionState === 'connected').length);
}

/** The local candidate type of each connected peer connection's selected pair (host, srflx, relay). */
export async function selectedCandidateTypes(page: Page): Promise<string[]> {
  return (await selectedCandidatePairs(page)).map((pair) => `${pair.localType}/${pair.remoteType}`);
}

/** Each connected peer connection's selected candidate pair: the candidates' types, and the far end's port. */
export function selectedCandidatePairs(page: Page): Promise<Array<{ localType: string; remoteType: string; remotePort: number }>> {
  return page.evaluate(async () => {
    const pairs: Array<{ localType: string; remoteType: string; remotePort: number }> = [];
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState !== 'connected') continue;
      const stats = await pc.getStats();
      stats.forEach((entry: RTCStats & { selectedCandidatePairId?: string }) => {
        if (entry.type !== 'transport' || !entry.selectedCandidatePairId) return;
        const pair = stats.get(entry.selectedCandidatePairId) as { localCandidateId: string; remoteCandidateId: string };
        const remote = stats.get(pair.remoteCandidateId) as { candidateType: string; port: number };
        pairs.push({ localType: (stats.get(pair.localCandidateId) as { candidateType: string }).candidateType, remoteType: remote.candidateType, remotePort: remote.port });
      });
    }
    return pairs;
  });
}

/** The other person's video is really playing: it has a picture and its time moves on. */
export async function expectRemoteVideoPlaying(page: Page, options: { timeout?: number; name?: string } = {}) {
  const videos = page.getByTestId('remote-video');
  const video = options.name ? page.locator(`[data-testid="remote-video"][data-name="${options.name}"]`) : videos.first();
  await expect(video).toBeVisible({ timeout: options.timeout ?? 10_000 });
  await expect.poll(() => video.evaluate((element: HTMLVideoElement) => element.videoWidth), { timeout: options.timeout ?? 20_000 }).toBeGreaterThan(0);
  // Time moves on in the element shown now. On a phone a tile moves between the large place and
  // the strip as the speaker changes, which is a new element with its own clock: each element is
  // measured from when it was first seen.
  await expect
    .poll(
      () =>
        video.evaluate((element: HTMLVideoElement & { __seenAt?: number }) => {
          element.__seenAt ??= element.currentTime;
          return element.currentTime - element.__seenAt;
        }),
      { timeout: options.timeout ?? 20_000 },
    )
    .toBeGreaterThan(0);
}

/** Remote videos on the page that have a picture and decode new frames over half a second. */
export function decodingVideos(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const videos = [...document.querySelectorAll<HTMLVideoElement>('[data-testid="remote-video"]')];
    const before = videos.map((video) => video.getVideoPlaybackQuality().totalVideoFrames);
    await new Promise((resolve) => setTimeout(resolve, 500));
    return videos.filter((video, index) => video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > before[index]!).length;
  });
}
