// bench/abuse: what one abusive client costs everyone else. In one run, on the embedded database
// (PGlite) against the app as `npm start` serves it:
//   1. /api/health latency while idle (the reference);
//   2. the same while one patient cookie opens 500 visit push streams and holds them;
//   3. the same while a thousand people of different visits open their push streams at the same
//      moment (each a database transaction: the server must go on answering between them);
//   4. the same during 50 parallel wrong sign-ins, each for a different email;
//   5. the server's memory and health while a 300 MB chunked body is posted to the device-test
//      result endpoint without a session.
//   npm run bench:abuse             (builds first when needed)
// Health is probed open-loop (one request every 20 ms, latency counted from when it was due), so
// a stalled server cannot hide its queue.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startApp, type AppServer } from '../e2e/support/app-server';
import { prepareEmbeddedData } from '../e2e/support/embedded-app';
import { encryptLaunchData, launchKeyFromSecret } from '../lib/epic/launch-token';
import { buildIfNeeded } from './support/build';
import { probeHealth, type HealthProbe } from './support/health-probe';
import { percentile } from './support/percentile';

const PORT = Number(process.env.BENCH_PORT ?? 3392);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 500);
const SIGN_INS = Number(process.env.BENCH_SIGN_INS ?? 50);
const BODY_MB = Number(process.env.BENCH_BODY_MB ?? 300);
const HOLD_MS = Number(process.env.BENCH_HOLD_MS ?? 15_000);
/** People of different visits whose push streams open at the same moment (a morning's rush, or a stranger with many links). */
const JOINERS = Number(process.env.BENCH_JOINERS ?? 1000);

async function main() {
  buildIfNeeded();
  const data = await prepareEmbeddedData();
  // The joiners all launch from this one address: the per-address launch limit is raised for the bench.
  const app = await startApp({ port: PORT, env: { ...data.env, LAUNCH_RATE_PER_MINUTE: '1000000' }, logFile: path.join(data.dataDir, 'server.log') });
  const lines: string[] = [];
  try {
    const patient = await launchPatient(app, data.integration);
    // A real server has loaded its routes long before an attack: load each one used here once.
    await warmUp(app.url, patient);

    const idle = await probeHealth(app.url, 5000);
    lines.push(report('idle', idle));

    const flood = await holdStreams(app.url, patient, STREAMS, HOLD_MS);
    lines.push(report(`${STREAMS} streams, one cookie`, flood.health));
    lines.push(`    streams: ${Object.entries(flood.outcomes).map(([outcome, count]) => `${count} ${outcome}`).join(', ')}`);
    // Let whatever the flood left behind drain before the next scenario.
    lines.push(`    health back under 20 ms ${((await settle(app.url)) / 1000).toFixed(1)} s after the streams were closed`);

    const joiners: Array<{ meetingId: string; cookie: string }> = [];
    for (let batch = 0; batch * 50 < JOINERS; batch++) {
      joiners.push(...(await Promise.all(Array.from({ length: Math.min(50, JOINERS - batch * 50) }, (_, index) => launchPatient(app, data.integration, `J${batch}x${index}`)))));
    }
    await settle(app.url);
    const rush = await joinAtOnce(app.url, joiners);
    lines.push(report(`${JOINERS} people's streams opened at once`, rush.health));
    lines.push(`    streams: all answered in ${(rush.allAnsweredMs / 1000).toFixed(1)} s; ${Object.entries(rush.outcomes).map(([outcome, count]) => `${count} ${outcome}`).join(', ')}`);
    lines.push(`    health back under 20 ms ${((await settle(app.url)) / 1000).toFixed(1)} s after the streams were closed`);

    const signIns = await signInFlood(app.url, SIGN_INS);
    lines.push(report(`${SIGN_INS} parallel wrong sign-ins`, signIns.health));
    lines.push(`    sign-ins: all answered in ${(signIns.allAnsweredMs / 1000).toFixed(1)} s; ${Object.entries(signIns.outcomes).map(([outcome, count]) => `${count} ${outcome}`).join(', ')}`);
    await settle(app.url);

    const body = await bigBody(app, BODY_MB);
    lines.push(report(`${BODY_MB} MB chunked body`, body.health));
    lines.push(`    body: answered ${body.status} after ${(body.answeredMs / 1000).toFixed(1)} s, ${(body.sentBytes / 1048576).toFixed(0)} MB sent; server RSS ${body.rssBeforeMb} MB before, peak ${body.rssPeakMb} MB`);

    console.log(`\nbench/abuse: embedded database (PGlite), the app as npm start serves it, load from this process`);
    console.log(lines.join('\n'));
  } finally {
    await app.stop();
  }
}

async function warmUp(url: string, patient: { meetingId: string; cookie: string }) {
  const stream = await fetch(`${url}/api/visits/${patient.meetingId}/events`, { headers: { Cookie: patient.cookie } });
  await stream.body?.cancel();
  await signInFlood(url, 1);
  await fetch(`${url}/api/device-test/result`, { method: 'POST', body: '{}' });
  await delay(2500);
}

/** Counts one more of `outcome`. */
function tally(outcomes: Record<string, number>, outcome: string): void {
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
}

/** Timeouts are counted beside the latencies, not in them. */
function report(name: string, probe: HealthProbe): string {
  const { latencies, count, timeouts } = probe;
  return `${`health p99, ${name}`.padEnd(44)} ${percentile(latencies, 0.99).toFixed(1).padStart(8)} ms   (p50 ${percentile(latencies, 0.5).toFixed(1)} ms, max ${(latencies.at(-1) ?? NaN).toFixed(0)} ms, ${count} probes, ${timeouts} timed out)`;
}

async function launchPatient(app: AppServer, integration: { encryptionKey: string; secret: string }, visit = 'flood') {
  const key = launchKeyFromSecret(integration.secret, 'AES-256-CBC');
  const plaintext = `SessionID=${Date.now()}-${visit}&UserType=Patient&ExternalID=PATBENCH&FirstName=Flood&Timestamp=${Math.floor(Date.now() / 1000)}`;
  const response = await fetch(`${app.url}/launch?key=${integration.encryptionKey}&data=${encodeURIComponent(encryptLaunchData(plaintext, key, 'AES-256-CBC'))}`, { redirect: 'manual' });
  const location = response.headers.get('location') ?? '';
  const meetingId = location.split('/').pop()!;
  const cookie = response.headers.getSetCookie().map((value) => value.split(';')[0]).join('; ');
  if (!meetingId || !cookie) throw new Error(`the launch answered ${response.status} without a visit`);
  return { meetingId, cookie };
}

/** Opens `count` push streams with one cookie as fast as it can, holds them, then closes them. */
async function holdStreams(url: string, patient: { meetingId: string; cookie: string }, count: number, holdMs: number) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const target = new URL(`${url}/api/visits/${patient.meetingId}/events`);
  const outcomes: Record<string, number> = {};
  const requests: http.ClientRequest[] = [];
  const open = (async () => {
    for (let index = 0; index < count; index++) {
      const request = http.get({ host: target.hostname, port: target.port, path: target.pathname, agent, headers: { Cookie: patient.cookie, Accept: 'text/event-stream' } }, (response) => {
        if (response.statusCode !== 200) {
          tally(outcomes, `answered ${response.statusCode}`);
          response.resume();
          return;
        }
        let text = '';
        let ended = false;
        response.on('data', (chunk: Buffer) => {
          if (text.length < 4096) text += chunk.toString();
        });
        response.on('end', () => {
          ended = true;
          tally(outcomes, text.includes('event: replaced') ? 'told "replaced" and closed' : 'closed by the server');
        });
        response.on('close', () => {
          if (!ended) tally(outcomes, 'still open at the end');
        });
      });
      request.on('error', () => tally(outcomes, 'failed to connect'));
      requests.push(request);
      if (index % 50 === 49) await delay(1);
    }
    await delay(holdMs);
    for (const request of requests) request.destroy();
    await delay(200);
  })();
  const health = await probeHealth(url, holdMs, open);
  agent.destroy();
  return { health, outcomes };
}

/** Each person's push stream opened at the same moment; closed once every one is answered. */
async function joinAtOnce(url: string, people: Array<{ meetingId: string; cookie: string }>) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const outcomes: Record<string, number> = {};
  const requests: http.ClientRequest[] = [];
  const started = performance.now();
  let allAnsweredMs = 0;
  const answered = Promise.all(
    people.map(
      (person) =>
        new Promise<void>((resolve) => {
          const target = new URL(`${url}/api/visits/${person.meetingId}/events`);
          const request = http.get({ host: target.hostname, port: target.port, path: target.pathname, agent, headers: { Cookie: person.cookie, Accept: 'text/event-stream' } }, (response) => {
            tally(outcomes, `answered ${response.statusCode}`);
            response.resume();
            resolve();
          });
          request.on('error', (error: NodeJS.ErrnoException) => {
            tally(outcomes, `failed (${error.code ?? error.message})`);
            resolve();
          });
          requests.push(request);
        }),
    ),
  ).then(async () => {
    allAnsweredMs = performance.now() - started;
    for (const request of requests) request.destroy();
    await delay(200);
  });
  const health = await probeHealth(url, 5000, answered);
  agent.destroy();
  return { health, outcomes, allAnsweredMs };
}

/** `count` sign-ins at once, each with a wrong password for a different email. */
async function signInFlood(url: string, count: number) {
  const outcomes: Record<string, number> = {};
  const started = performance.now();
  let allAnsweredMs = 0;
  const flood = Promise.all(
    Array.from({ length: count }, async (_, index) => {
      try {
        const csrf = await fetch(`${url}/api/auth/csrf`);
        const { csrfToken } = (await csrf.json()) as { csrfToken: string };
        const cookie = csrf.headers.getSetCookie().map((value) => value.split(';')[0]).join('; ');
        const response = await fetch(`${url}/api/auth/callback/credentials`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
          body: new URLSearchParams({ csrfToken, email: `flood-${index}@attacker.example`, password: 'not the password at all', json: 'true' }),
        });
        await response.arrayBuffer();
        tally(outcomes, `answered ${response.status}`);
      } catch {
        tally(outcomes, 'failed');
      }
    }),
  ).then(() => (allAnsweredMs = performance.now() - started));
  const health = await probeHealth(url, 5000, flood);
  return { health, outcomes, allAnsweredMs };
}

/** A chunked body of `megabytes` to the device-test result endpoint, with no session cookie. */
async function bigBody(app: AppServer, megabytes: number) {
  const target = new URL(`${app.url}/api/device-test/result`);
  const rssBeforeMb = serverRssMb(app.pid);
  let rssPeakMb = rssBeforeMb;
  const sampler = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, serverRssMb(app.pid))), 100);
  const started = performance.now();
  let sentBytes = 0;
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  const posted = new Promise<{ status: number; answeredMs: number }>((resolve) => {
    const request = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, answeredMs: performance.now() - started });
      request.destroy();
    });
    request.on('error', () => resolve({ status: 0, answeredMs: performance.now() - started }));
    const write = () => {
      while (sentBytes < megabytes * 1048576) {
        if (request.destroyed) return;
        sentBytes += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', write);
      }
      request.end();
    };
    request.write('{"camera":"');
    write();
  });
  const [health, answer] = await Promise.all([probeHealth(app.url, 5000, posted), posted]);
  clearInterval(sampler);
  return { health, ...answer, sentBytes, rssBeforeMb, rssPeakMb };
}

/** Resident memory of every process in the server's process group, in MB. */
function serverRssMb(groupLeader: number): number {
  let kb = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== groupLeader) continue;
      const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      kb += Number(rss?.[1] ?? 0);
    } catch {
      // the process ended while we looked
    }
  }
  return Math.round(kb / 1024);
}

/** Waits (at most 5 minutes) until health answers within 20 ms again; returns how long that took. */
async function settle(url: string): Promise<number> {
  const began = performance.now();
  while (performance.now() - began < 300_000) {
    const started = performance.now();
    try {
      await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5000) });
      if (performance.now() - started < 20) break;
    } catch {
      // still busy
    }
    await delay(250);
  }
  return performance.now() - began;
}

function delay(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
