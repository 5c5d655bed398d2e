// bench/video: how long video takes, as a patient sees it. In one run, on the embedded database,
// with Debian's Chromium (fake camera) and Debian's coturn on 127.0.0.1:
//   1. Admit click → the patient's page changes to the call (p50/p95), and → it shows the provider's
//      video (a frame playing), p50 and p95, each timed inside the pages (see RECORD_MOMENTS),
//      over 20 visits, first with direct media, then with every call forced through the TURN relay
//      (ICE_TRANSPORT_POLICY=relay): the relay's cost is the difference.
//   2. Recovery: the relay stops for a few seconds (SIGSTOP: the media path is cut, the app is
//      not) and resumes; from the resume to the next video frame on the patient's page, p50 over
//      10 drops.
//   npm run bench:video            (builds first when needed)
// Times are wall-clock on this machine (the pages and this process share the clock).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config';
import { startApp, type AppServer } from '../e2e/support/app-server';
import { prepareEmbeddedData } from '../e2e/support/embedded-app';
import { startTurnServer, type TurnServer } from '../e2e/support/turn-server';
import { RECORD_PEER_CONNECTIONS } from '../e2e/support/webrtc';
import { encryptLaunchData, launchKeyFromSecret } from '../lib/epic/launch-token';
import { buildIfNeeded } from './support/build';
import { ascending, percentile } from './support/percentile';

const VISITS = Number(process.env.BENCH_VISITS ?? 20);
const DROPS = Number(process.env.BENCH_DROPS ?? 10);
const DROP_MS = Number(process.env.BENCH_DROP_MS ?? 10_000);
const PORT = Number(process.env.BENCH_PORT ?? 3393);
const TURN_PORT = 3494;

interface Integration {
  encryptionKey: string;
  secret: string;
}

async function main() {
  buildIfNeeded();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const secret = randomBytes(24).toString('base64url');
  const turn = await startTurnServer({ port: TURN_PORT, secret, logFile: '/dev/null', minPort: 49300, maxPort: 49400 });
  const lines: string[] = [];
  try {
    const relayEnv = { TURN_URLS: turn.url, TURN_SECRET: secret, ICE_TRANSPORT_POLICY: 'relay' };
    // BENCH_VISITS=0 measures recovery only.
    if (VISITS > 0) {
      const { page, video: direct } = await withApp({}, (app, integration) => admitToVideo(browser, app, integration));
      lines.push(report("admit → patient's page changes", page));
      lines.push(report('admit → video, direct', direct));
      const { video: relay } = await withApp(relayEnv, (app, integration) => admitToVideo(browser, app, integration));
      lines.push(report('admit → video, TURN relay', relay));
      lines.push(`    the relay adds ${(percentile(ascending(relay), 0.5) - percentile(ascending(direct), 0.5)).toFixed(0)} ms at p50, ${(percentile(ascending(relay), 0.95) - percentile(ascending(direct), 0.95)).toFixed(0)} ms at p95 (target < 300 ms)`);
    }
    const recovery = await withApp(relayEnv, (app, integration) => recoveries(browser, app, integration, turn));
    lines.push(report(`relay resumed after ${DROP_MS / 1000} s → video again`, recovery));
    console.log(`\nbench/video: embedded database, Chromium ${browser.version()} with a fake camera, coturn on 127.0.0.1`);
    console.log(lines.join('\n'));
  } finally {
    await browser.close();
    await turn.stop();
  }
}

async function withApp<T>(env: Record<string, string>, work: (app: AppServer, integration: Integration) => Promise<T>): Promise<T> {
  const data = await prepareEmbeddedData({ admittancePolicy: 'manual' });
  const app = await startApp({ port: PORT, env: { ...data.env, ...env }, logFile: path.join(data.dataDir, 'server.log') });
  try {
    return await work(app, data.integration);
  } finally {
    await app.stop();
  }
}

/** Provider in the call, patient waiting; the provider admits; until the patient's page shows a frame. */
async function admitToVideo(browser: Browser, app: AppServer, integration: Integration): Promise<{ page: number[]; video: number[] }> {
  const times = { page: [] as number[], video: [] as number[] };
  // One visit first, not counted: the routes' first use.
  for (let visit = 0; visit <= VISITS; visit++) {
    const { provider, patient, close } = await openVisit(browser, app, integration);
    try {
      const admit = provider.getByRole('button', { name: /^Admit / });
      await admit.waitFor();
      await admit.click();
      await patient.waitForFunction(() => (window as unknown as Moments).__moments.video !== undefined, undefined, { timeout: 60_000 });
      const clickedAt = await provider.evaluate(() => (window as unknown as Moments).__moments.click);
      const { call, video } = await patient.evaluate(() => (window as unknown as Moments).__moments);
      if (clickedAt === undefined || call === undefined || video === undefined) throw new Error('a moment was not recorded');
      if (visit > 0) {
        times.page.push(call - clickedAt);
        times.video.push(video - clickedAt);
      }
    } finally {
      await close();
    }
  }
  return times;
}

interface Moments {
  __moments: { click?: number; call?: number; video?: number };
}

/**
 * The moments, as each page lives them (Date.now(): both pages and this process read the same
 * clock): the provider's click on Admit, when it happens; the patient's page showing the call
 * (data-testid="call"); its first frame of the provider's video playing. Recorded in the pages
 * themselves, so Playwright's own work around the click (its checks that the button can be
 * clicked) and the round trips of polling the page are not counted. Plain JavaScript: the
 * script runs in the page as written.
 */
const RECORD_MOMENTS = `
  window.__moments = {};
  document.addEventListener('click', (event) => {
    if (window.__moments.click === undefined && event.target.closest('button')) window.__moments.click = Date.now();
  }, true);
  const look = () => {
    const moments = window.__moments;
    if (moments.call === undefined && document.querySelector('[data-testid="call"]')) moments.call = Date.now();
    const video = document.querySelector('[data-testid="remote-video"]');
    if (video && video.videoWidth > 0 && video.currentTime > 0) moments.video = Date.now();
    else requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
`;

/** One visit through the relay; the relay stops and resumes DROPS times. */
async function recoveries(browser: Browser, app: AppServer, integration: Integration, turn: TurnServer): Promise<number[]> {
  const { provider, patient, close } = await openVisit(browser, app, integration);
  const times: number[] = [];
  try {
    await provider.getByRole('button', { name: /^Admit / }).click();
    await patient.waitForFunction(() => (document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]')?.videoWidth ?? 0) > 0, undefined, { timeout: 60_000 });
    // When the picture moves: frames decoded from the provider, read from the page's peer
    // connections every 50 ms (a live video's currentTime runs on even when no frame comes).
    await patient.evaluate(() => {
      const state = window as unknown as { __frames: number[]; __peerConnections: RTCPeerConnection[] };
      state.__frames = [];
      let last = 0;
      setInterval(async () => {
        let decoded = 0;
        for (const pc of state.__peerConnections) {
          if (pc.connectionState === 'closed') continue;
          (await pc.getStats()).forEach((entry: RTCStats & { kind?: string; framesDecoded?: number }) => {
            if (entry.type === 'inbound-rtp' && entry.kind === 'video') decoded += entry.framesDecoded ?? 0;
          });
        }
        // A rebuilt connection starts counting again from zero: any change is a new frame.
        if (decoded !== last) {
          state.__frames.push(Date.now());
          if (state.__frames.length > 500) state.__frames.shift();
        }
        last = decoded;
      }, 50);
    });
    for (let drop = 0; drop < DROPS; drop++) {
      turn.pause();
      await sleep(DROP_MS);
      const lastBefore = await patient.evaluate(() => (window as unknown as { __frames: number[] }).__frames.at(-1) ?? 0);
      const resumed = Date.now();
      turn.resume();
      if (resumed - lastBefore < 1000) throw new Error('video kept flowing while the relay was stopped: the call is not on the relay');
      const deadline = resumed + 60_000;
      let frameAt: number | undefined;
      while (!frameAt && Date.now() < deadline) {
        frameAt = await patient.evaluate((after) => (window as unknown as { __frames: number[] }).__frames.find((time) => time > after), resumed);
        if (!frameAt) await sleep(50);
      }
      if (!frameAt) throw new Error(`no video within 60 s of the relay resuming (drop ${drop + 1})`);
      times.push(frameAt - resumed);
      // Let the call settle before the next drop.
      await sleep(3000);
    }
  } finally {
    await close();
  }
  return times;
}

async function openVisit(browser: Browser, app: AppServer, integration: Integration) {
  const sessionId = String(10_000_000_000 + Math.floor(Math.random() * 9_000_000_000));
  const providerContext = await browser.newContext({ viewport: { width: 800, height: 600 } });
  const patientContext = await browser.newContext({ viewport: { width: 390, height: 800 } });
  await patientContext.addInitScript(RECORD_PEER_CONNECTIONS);
  await providerContext.addInitScript({ content: RECORD_MOMENTS });
  await patientContext.addInitScript({ content: RECORD_MOMENTS });
  const provider = await providerContext.newPage();
  const patient = await patientContext.newPage();
  await provider.goto(app.url + launchPath(integration, { SessionID: sessionId, UserType: 'Provider', ExternalID: 'EMP1', FirstName: 'Lee' }));
  await patient.goto(app.url + launchPath(integration, { SessionID: sessionId, UserType: 'Patient', ExternalID: 'PAT1', FirstName: 'Ana' }));
  return {
    provider: provider as Page,
    patient: patient as Page,
    close: async () => {
      await providerContext.close();
      await patientContext.close();
    },
  };
}

function launchPath(integration: Integration, fields: Record<string, string>): string {
  const plaintext = new URLSearchParams({ Timestamp: String(Math.floor(Date.now() / 1000)), ...fields }).toString();
  const data = encryptLaunchData(plaintext, launchKeyFromSecret(integration.secret, 'AES-256-CBC'), 'AES-256-CBC');
  return `/launch?key=${encodeURIComponent(integration.encryptionKey)}&data=${encodeURIComponent(data)}`;
}

function report(label: string, unsorted: number[]): string {
  const times = ascending(unsorted);
  return `${label.padEnd(40)} p50 ${percentile(times, 0.5).toFixed(0).padStart(5)} ms   p95 ${percentile(times, 0.95).toFixed(0).padStart(5)} ms   max ${Math.max(...times).toFixed(0).padStart(5)} ms   (n=${times.length})`;
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
