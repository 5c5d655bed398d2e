// bench/capacity: the most concurrent active visits one server holds, the figure a hospital sizes
// servers by. Each visit is a provider and a patient in the call, each with an open push stream
// (heartbeats included), a signal exchange every 5 s (one signal each way, as an ICE restart or a
// renegotiation sends) and a state change every 30 s (the patient's camera or microphone toggled,
// which every stream in the visit hears). Visits are added in steps; each step is measured for
// BENCH_SECONDS. A step holds when /api/health p99 < 50 ms and signal relay p99 < 100 ms.
//   npm run bench:capacity               embedded database (PGlite)
//   npm run bench:capacity -- postgres   the local PostgreSQL
// The load generator runs on the same 2 cores; its own CPU is printed beside the server's.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startApp, type AppServer } from '../e2e/support/app-server';
import { createDatabase, dropDatabase } from '../e2e/support/database';
import { prepareEmbeddedData } from '../e2e/support/embedded-app';
import { startFakeEpic } from '../e2e/support/fake-epic';
import { openDatabase } from '../lib/db/client';
import { encryptLaunchData, launchKeyFromSecret } from '../lib/epic/launch-token';
import { seedIntegrationRow } from '../test/fixtures/integration';
import { buildIfNeeded } from './support/build';
import { PROBE_TIMEOUT_MS, probeHealth } from './support/health-probe';
import { ascending, percentile } from './support/percentile';

const ENGINE = process.argv[2] === 'postgres' ? 'postgres' : 'pglite';
const STEPS = (process.env.BENCH_STEPS ?? '250,500,1000,1500,2000,2500,3000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const SIGNAL_EVERY_MS = 5000;
const STATE_EVERY_MS = 30_000;
const HEALTH_P99_LIMIT_MS = 50;
const SIGNAL_P99_LIMIT_MS = 100;
const PORT = Number(process.env.BENCH_PORT ?? 3397);
/** Every visit is launched from this one address: the per-address launch limit is raised for the bench. */
const ONE_ADDRESS_LAUNCHES = '1000000';

interface Person {
  cookie: string;
  connectionId: string | null;
  peerConnectionId: string | null;
  request: http.ClientRequest | null;
}

interface Visit {
  meetingId: string;
  provider: Person;
  patient: Person;
  cameraOn: boolean;
}

const streamAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const postAgent = new http.Agent({ keepAlive: true, maxSockets: 128 });
let target: URL;
const sentAt = new Map<string, number>();
let signalLatencies: number[] = [];
let signalFailures = 0;
let stateFailures = 0;
let streamsLost = 0;
const streamProblems: Record<string, number> = {};
const countProblem = (what: string) => (streamProblems[what] = (streamProblems[what] ?? 0) + 1);

async function main() {
  buildIfNeeded();
  const epic = await startFakeEpic();
  const { app, integration, cleanup } = await startServer(`${epic.url}/status`);
  target = new URL(app.url);
  const visits: Visit[] = [];
  const lines: string[] = [];
  let held = 0;
  try {
    for (const step of STEPS) {
      const started = performance.now();
      while (visits.length < step) visits.push(...(await Promise.all(Array.from({ length: Math.min(50, step - visits.length) }, () => startVisit(integration)))));
      await waitUntilInCall(visits);
      // Measure the steady state: the joins' notifications to Epic have all gone out, and the
      // server has had a few seconds to finish what the joins left behind.
      while (epic.calls.length < visits.length * 2) await delay(200);
      await delay(5000);
      const setupSeconds = (performance.now() - started) / 1000;
      const figures = await measure(app, visits);
      const ok = figures.healthP99 < HEALTH_P99_LIMIT_MS && figures.signalP99 < SIGNAL_P99_LIMIT_MS && figures.lost === 0;
      const line = `${String(step).padStart(5)} visits (${step * 2} streams): health p99 ${figures.healthP99.toFixed(1)} ms, signal relay p50 ${figures.signalP50.toFixed(1)} ms p99 ${figures.signalP99.toFixed(1)} ms (${figures.signals} signals, ${figures.failures} failed), server CPU ${figures.serverCpu.toFixed(0)}%, load generator CPU ${figures.generatorCpu.toFixed(0)}%, streams lost ${figures.lost}; set up in ${setupSeconds.toFixed(0)} s ${ok ? 'HOLDS' : 'FAILS'}`;
      console.log(line);
      lines.push(line);
      if (!ok) break;
      held = step;
    }
  } finally {
    for (const visit of visits) {
      visit.provider.request?.destroy();
      visit.patient.request?.destroy();
    }
    await app.stop();
    await epic.close();
    await cleanup();
  }
  console.log(`\nbench/capacity: ${ENGINE === 'pglite' ? 'embedded database (PGlite)' : 'PostgreSQL (local)'}, the app as npm start serves it, ${SECONDS} s per step`);
  console.log(`per visit: 2 push streams, a signal each way every ${SIGNAL_EVERY_MS / 1000} s, a state change every ${STATE_EVERY_MS / 1000} s`);
  console.log(lines.join('\n'));
  console.log(`\nmost active visits held (health p99 < ${HEALTH_P99_LIMIT_MS} ms, signal p99 < ${SIGNAL_P99_LIMIT_MS} ms): ${held}${held === STEPS.at(-1) ? ' (the largest step tried)' : ''}`);
}

async function startServer(statusUrl: string) {
  const masterKey = randomBytes(32);
  if (ENGINE === 'pglite') {
    const data = await prepareEmbeddedData({ connectionStatusUrl: statusUrl });
    const app = await startApp({ port: PORT, env: { ...data.env, LAUNCH_RATE_PER_MINUTE: ONE_ADDRESS_LAUNCHES }, logFile: path.join(data.dataDir, 'server.log') });
    return { app, integration: data.integration, cleanup: async () => undefined };
  }
  const database = await createDatabase('televisit_bench');
  const handle = await openDatabase({ databaseUrl: database.url, dataDir: '/nonexistent' });
  const { row, secret } = await seedIntegrationRow(handle.db, masterKey, { connectionStatusUrl: statusUrl });
  await handle.close();
  const app = await startApp({
    port: PORT,
    env: { DATABASE_URL: database.url, TELEVISIT_MASTER_KEY: masterKey.toString('base64'), NEXTAUTH_SECRET: randomBytes(32).toString('base64'), NEXTAUTH_URL: `http://127.0.0.1:${PORT}`, LAUNCH_RATE_PER_MINUTE: ONE_ADDRESS_LAUNCHES },
    logFile: '/tmp/televisit-bench-capacity.log',
  });
  return { app, integration: { id: row.id, encryptionKey: row.encryptionKey, secret }, cleanup: () => dropDatabase(database.name) };
}

async function startVisit(integration: { encryptionKey: string; secret: string }): Promise<Visit> {
  const sessionId = String(Date.now()) + randomBytes(3).toString('hex');
  const provider = await launch(integration, `SessionID=${sessionId}&UserType=Provider&ExternalID=E${randomBytes(4).toString('hex')}&FirstName=Lee`);
  const patient = await launch(integration, `SessionID=${sessionId}&UserType=Patient&ExternalID=P${randomBytes(4).toString('hex')}&FirstName=Ana`);
  const visit: Visit = { meetingId: provider.meetingId, provider: provider.person, patient: patient.person, cameraOn: true };
  openStream(visit, visit.provider);
  openStream(visit, visit.patient);
  return visit;
}

async function launch(integration: { encryptionKey: string; secret: string }, fields: string) {
  const key = launchKeyFromSecret(integration.secret, 'AES-256-CBC');
  const data = encryptLaunchData(`${fields}&Timestamp=${Math.floor(Date.now() / 1000)}&LinkValidityPeriod=240`, key, 'AES-256-CBC');
  const response = await fetch(`${target.origin}/launch?key=${integration.encryptionKey}&data=${encodeURIComponent(data)}`, { redirect: 'manual' });
  const meetingId = (response.headers.get('location') ?? '').split('/').pop()!;
  const cookie = response.headers.getSetCookie().map((value) => value.split(';')[0]).join('; ');
  if (response.status !== 303) throw new Error(`launch answered ${response.status}`);
  return { meetingId, person: { cookie, connectionId: null, peerConnectionId: null, request: null } satisfies Person };
}

/** The push stream, read just enough: who we are and who the peer is, and signals with their bench id. */
function openStream(visit: Visit, person: Person) {
  const request = http.get(
    { host: target.hostname, port: target.port, path: `/api/visits/${visit.meetingId}/events`, agent: streamAgent, headers: { Cookie: person.cookie } },
    (response) => {
      if (response.statusCode !== 200) countProblem(`answered ${response.statusCode}`);
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let boundary;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          if (block.startsWith('event: signal')) {
            const id = /"bench":"([^"]+)"/.exec(block)?.[1];
            const at = id ? sentAt.get(id) : undefined;
            if (id && at !== undefined) {
              signalLatencies.push(performance.now() - at);
              sentAt.delete(id);
            }
          } else if (block.startsWith('event: state') && person.peerConnectionId === null) {
            const state = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { connectionId: string; peers: Array<{ connectionId: string }> };
            person.connectionId = state.connectionId;
            person.peerConnectionId = state.peers[0]?.connectionId ?? null;
          }
        }
      });
      response.on('close', () => {
        if (person.request === request) streamsLost++;
      });
    },
  );
  request.on('error', (error) => countProblem((error as NodeJS.ErrnoException).code ?? error.message));
  person.request = request;
}

async function waitUntilInCall(visits: Visit[]) {
  const deadline = Date.now() + 120_000;
  while (visits.some((visit) => !visit.provider.peerConnectionId || !visit.patient.peerConnectionId)) {
    if (Date.now() > deadline) {
      const waiting = visits.filter((visit) => !visit.provider.peerConnectionId || !visit.patient.peerConnectionId).length;
      throw new Error(`${waiting} visits did not get into the call within 2 minutes; stream problems: ${JSON.stringify(streamProblems)}`);
    }
    await delay(200);
  }
}

async function measure(app: AppServer, visits: Visit[]) {
  signalLatencies = [];
  signalFailures = 0;
  stateFailures = 0;
  const lostBefore = streamsLost;
  const timers: NodeJS.Timeout[] = [];
  // Every visit on its own phase, so the load is spread as a clinic's is.
  for (const visit of visits) {
    const signalPhase = Math.random() * SIGNAL_EVERY_MS;
    timers.push(setTimeout(() => timers.push(setInterval(() => exchangeSignals(visit), SIGNAL_EVERY_MS)), signalPhase));
    const statePhase = Math.random() * STATE_EVERY_MS;
    timers.push(setTimeout(() => timers.push(setInterval(() => toggleCamera(visit), STATE_EVERY_MS)), statePhase));
  }
  const serverBefore = serverCpuSeconds(app.pid);
  const generatorBefore = process.cpuUsage();
  const started = performance.now();
  const probe = await probeHealth(app.url, SECONDS * 1000);
  // A probe that failed or went unanswered counts at the timeout, so it can only fail the step.
  const health = ascending([...probe.latencies, ...Array<number>(probe.timeouts).fill(PROBE_TIMEOUT_MS)]);
  const elapsed = (performance.now() - started) / 1000;
  const serverCpu = ((serverCpuSeconds(app.pid) - serverBefore) / elapsed) * 100;
  const generator = process.cpuUsage(generatorBefore);
  for (const timer of timers) clearTimeout(timer);
  await delay(500);
  const sorted = ascending(signalLatencies);
  return {
    healthP99: percentile(health, 0.99),
    signalP50: percentile(sorted, 0.5),
    signalP99: percentile(sorted, 0.99),
    signals: sorted.length,
    failures: signalFailures + stateFailures,
    serverCpu,
    generatorCpu: ((generator.user + generator.system) / 1e6 / elapsed) * 100,
    lost: streamsLost - lostBefore,
  };
}

function exchangeSignals(visit: Visit) {
  sendSignal(visit, visit.provider);
  sendSignal(visit, visit.patient);
}

function sendSignal(visit: Visit, from: Person) {
  const id = randomBytes(6).toString('hex');
  const body = JSON.stringify({
    from: from.connectionId,
    to: from.peerConnectionId,
    payload: { candidate: { candidate: 'candidate:842163049 1 udp 1677729535 198.51.100.7 50000 typ srflx raddr 0.0.0.0 rport 0', sdpMid: '0', sdpMLineIndex: 0 }, bench: id },
  });
  sentAt.set(id, performance.now());
  post(`/api/visits/${visit.meetingId}/signal`, from.cookie, body, () => {
    signalFailures++;
    sentAt.delete(id);
  });
}

function toggleCamera(visit: Visit) {
  if (!visit.patient.connectionId) return;
  visit.cameraOn = !visit.cameraOn;
  post(`/api/visits/${visit.meetingId}/media`, visit.patient.cookie, JSON.stringify({ connectionId: visit.patient.connectionId, micOn: true, cameraOn: visit.cameraOn }), () => stateFailures++);
}

function post(requestPath: string, cookie: string, body: string, onFailure: () => void) {
  const request = http.request(
    { host: target.hostname, port: target.port, path: requestPath, method: 'POST', agent: postAgent, headers: { Cookie: cookie, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
    (response) => {
      response.resume();
      if (response.statusCode !== 204) onFailure();
    },
  );
  request.on('error', onFailure);
  request.end(body);
}

/** CPU seconds (user + system) of every process in the server's process group. */
function serverCpuSeconds(groupLeader: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== groupLeader) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100;
}

function delay(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
