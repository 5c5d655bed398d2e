// bench/sfu: what a group visit costs through the media server, beside a call between browsers.
// In one run, on the embedded database, with Debian's Chromium (fake camera) and Debian's Janus:
//   - the baseline: a visit of 4 whose video goes between the browsers (a mesh: each sends to 3);
//   - 6 people through Janus (each sends once, receives 5 on one connection);
//   - 12 people through Janus when BENCH_SFU_TWELVE=1 (twelve live-video browsers on this 2-core
//     machine spend the window starved; run it on a bigger one).
// For each, once every page decodes everyone else, over a window of BENCH_SFU_WINDOW_MS:
//   - each browser's upstream (bytes sent on all its peer connections) and downstream, in kbps;
//   - the frames each page decodes per second, per remote video;
//   - Janus' CPU (share of one core, from /proc) and resident memory, in all and per participant.
// Then the ratios: each browser's upstream through Janus against the mesh's, in the same run.
//   npm run bench:sfu            (builds first when needed)
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config';
import { startApp } from '../e2e/support/app-server';
import { prepareEmbeddedData } from '../e2e/support/embedded-app';
import { startJanus, type MediaServer } from '../e2e/support/janus';
import { decodingVideos, RECORD_PEER_CONNECTIONS } from '../e2e/support/webrtc';
import { launchPath } from '../e2e/support/epic';
import { buildIfNeeded } from './support/build';

const PORT = Number(process.env.BENCH_PORT ?? 3393);
const JANUS_PORT = 3395;
const RTP_PORTS: [number, number] = [40300, 40399];
const API_SECRET = 'bench-sfu-janus-secret-0123456789';
const WINDOW_MS = Number(process.env.BENCH_SFU_WINDOW_MS ?? 20_000);
const SETTLE_TIMEOUT_MS = 180_000;
const CLOCK_TICKS = 100;

interface Scenario {
  label: string;
  people: number;
  largestVisit: number;
}

interface Figures {
  scenario: Scenario;
  upKbps: number[];
  downKbps: number[];
  fpsPerRemote: number[];
  /** Janus' CPU over the window (share of one core), its memory, and what the visit added to it. */
  janus: { cpuPercent: number; rssMb: number; addedMb: number } | null;
}

async function main() {
  buildIfNeeded();
  const scenarios: Scenario[] = [
    { label: 'mesh, 4 people (baseline)', people: 4, largestVisit: 4 },
    { label: 'Janus, 6 people', people: 6, largestVisit: 6 },
    ...(process.env.BENCH_SFU_TWELVE === '1' ? [{ label: 'Janus, 12 people', people: 12, largestVisit: 12 }] : []),
  ];
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const janus = await startJanus({ port: JANUS_PORT, rtpPorts: RTP_PORTS, apiSecret: API_SECRET, logFile: '/dev/null' });
  const loadAtStart = loadavg();
  const results: Figures[] = [];
  try {
    for (const scenario of scenarios) results.push(await measure(browser, janus, scenario));
  } finally {
    await browser.close();
    await janus.stop();
  }
  const loadAtEnd = loadavg();
  console.log(`\nbench/sfu: embedded database, Chromium ${browser.version()} with a fake camera, Debian's Janus, ${WINDOW_MS / 1000} s windows`);
  console.log(`load average at start ${loadAtStart.map((value) => value.toFixed(1)).join(' ')}, at end ${loadAtEnd.map((value) => value.toFixed(1)).join(' ')}`);
  for (const figures of results) console.log(report(figures));
  const baseline = results[0]!;
  for (const figures of results.slice(1)) {
    console.log(
      `${figures.scenario.label} against the baseline: upstream per browser ×${(mean(figures.upKbps) / mean(baseline.upKbps)).toFixed(2)}, ` +
        `downstream per browser ×${(mean(figures.downKbps) / mean(baseline.downKbps)).toFixed(2)}, frames per remote ×${(mean(figures.fpsPerRemote) / mean(baseline.fpsPerRemote)).toFixed(2)}`,
    );
  }
}

async function measure(browser: Browser, janus: MediaServer, scenario: Scenario): Promise<Figures> {
  const data = await prepareEmbeddedData({ admittancePolicy: 'automatic', largestVisit: scenario.largestVisit });
  const throughJanus = scenario.largestVisit > 4;
  const app = await startApp({
    port: PORT,
    env: { ...data.env, ...(throughJanus ? { JANUS_URL: janus.url, JANUS_API_SECRET: API_SECRET } : {}) },
    logFile: path.join(data.dataDir, 'server.log'),
  });
  const contexts: BrowserContext[] = [];
  // Janus' memory with no visit in it: what each visit's people add is above it.
  const idleRssKb = throughJanus ? janusUsage(janus.pid).rssKb : 0;
  try {
    const sessionId = String(10_000_000_000 + Math.floor(Math.random() * 9_000_000_000));
    const pages: Page[] = [];
    for (let index = 0; index < scenario.people; index++) {
      const context = await browser.newContext({ viewport: { width: index === 0 ? 1280 : 390, height: 800 } });
      contexts.push(context);
      await context.addInitScript(RECORD_PEER_CONNECTIONS);
      const page = await context.newPage();
      const fields = { SessionID: sessionId, UserType: index === 0 ? ('Provider' as const) : ('Patient' as const), ExternalID: `SFU${index}`, FirstName: `Person${index}` };
      await page.goto(app.url + launchPath(data.integration, fields));
      pages.push(page);
    }
    // Everyone decodes everyone else before the window opens.
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (const page of pages) {
      while ((await decodingVideos(page)) < scenario.people - 1) {
        if (Date.now() > deadline) throw new Error(`${scenario.label}: not everyone decoded everyone else in ${SETTLE_TIMEOUT_MS / 1000} s`);
      }
    }
    const before = await Promise.all(pages.map(counters));
    const janusBefore = throughJanus ? janusUsage(janus.pid) : null;
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const after = await Promise.all(pages.map(counters));
    const seconds = (Date.now() - started) / 1000;
    const janusAfter = throughJanus ? janusUsage(janus.pid) : null;
    return {
      scenario,
      upKbps: pages.map((_, index) => ((after[index]!.sent - before[index]!.sent) * 8) / 1000 / seconds),
      downKbps: pages.map((_, index) => ((after[index]!.received - before[index]!.received) * 8) / 1000 / seconds),
      fpsPerRemote: pages.map((_, index) => (after[index]!.framesDecoded - before[index]!.framesDecoded) / seconds / (scenario.people - 1)),
      janus:
        janusBefore && janusAfter
          ? { cpuPercent: ((janusAfter.ticks - janusBefore.ticks) / CLOCK_TICKS / seconds) * 100, rssMb: janusAfter.rssKb / 1024, addedMb: (janusAfter.rssKb - idleRssKb) / 1024 }
          : null,
    };
  } finally {
    for (const context of contexts) await context.close();
    await app.stop();
  }
}

/** Bytes sent and received on all the page's open peer connections, and video frames decoded. */
function counters(page: Page): Promise<{ sent: number; received: number; framesDecoded: number }> {
  return page.evaluate(async () => {
    const totals = { sent: 0, received: 0, framesDecoded: 0 };
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((entry: RTCStats & { bytesSent?: number; bytesReceived?: number; kind?: string; framesDecoded?: number }) => {
        if (entry.type === 'transport') {
          totals.sent += entry.bytesSent ?? 0;
          totals.received += entry.bytesReceived ?? 0;
        }
        if (entry.type === 'inbound-rtp' && entry.kind === 'video') totals.framesDecoded += entry.framesDecoded ?? 0;
      });
    }
    return totals;
  });
}

/** Janus' CPU time so far (user and system, in clock ticks) and resident memory, from /proc. */
function janusUsage(pid: number): { ticks: number; rssKb: number } {
  // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { ticks: Number(fields[11]) + Number(fields[12]), rssKb: Number(rss?.[1] ?? 0) };
}

function report({ scenario, upKbps, downKbps, fpsPerRemote, janus }: Figures): string {
  const range = (values: number[]) => `${mean(values).toFixed(0).padStart(5)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
  const lines = [
    `${scenario.label}`,
    `    upstream per browser   ${range(upKbps)} kbps`,
    `    downstream per browser ${range(downKbps)} kbps`,
    `    frames per s per remote ${mean(fpsPerRemote).toFixed(1)} (${Math.min(...fpsPerRemote).toFixed(1)}–${Math.max(...fpsPerRemote).toFixed(1)})`,
  ];
  if (janus) {
    lines.push(`    Janus CPU ${janus.cpuPercent.toFixed(1)}% of a core (${(janus.cpuPercent / scenario.people).toFixed(1)}% per participant), memory ${janus.rssMb.toFixed(0)} MB, of which the visit added ${janus.addedMb.toFixed(1)} MB (${(janus.addedMb / scenario.people).toFixed(2)} MB per participant)`);
  }
  return lines.join('\n');
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
