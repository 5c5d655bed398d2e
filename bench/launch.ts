// bench/launch: launch throughput and latency on the embedded database (PGlite) against
// `next start`, beside a trivial route handler of the same app as the ceiling, in one run.
//   npm run bench:launch            (builds first when needed)
// Prints launches/s, p50/p99, and the ratio to the ceiling. Target on a 2-core machine:
// p99 under 30 ms at 500 launches/s, and at least half the ceiling's throughput.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import autocannon from 'autocannon';
import { startApp } from '../e2e/support/app-server';
import { openDatabase } from '../lib/db/client';
import { encryptLaunchData, launchKeyFromSecret } from '../lib/epic/launch-token';
import { seedIntegrationRow } from '../test/fixtures/integration';
import { buildIfNeeded } from './support/build';
import { percentile } from './support/percentile';

const PORT = Number(process.env.BENCH_PORT ?? 3390);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const TARGET_RATE = 500;

async function main() {
  buildIfNeeded();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'televisit-bench-'));
  const masterKey = randomBytes(32);

  // Seed before the server starts: only one process may open the embedded database.
  const handle = await openDatabase({ dataDir });
  const { row, secret } = await seedIntegrationRow(handle.db, masterKey);
  const { encryptionKey } = row;
  await handle.close();

  const app = await startApp({
    port: PORT,
    // Every launch comes from this one address: the per-address launch limit is raised for the bench.
    env: { DATA_DIR: dataDir, TELEVISIT_MASTER_KEY: masterKey.toString('base64'), DATABASE_URL: '', NEXTAUTH_SECRET: '', LAUNCH_RATE_PER_MINUTE: '1000000' },
    logFile: path.join(dataDir, 'server.log'),
  });
  try {
    // Every launch is a different visit (a new meeting and participant), as on a clinic morning.
    const key = launchKeyFromSecret(secret, 'AES-256-CBC');
    const timestamp = Math.floor(Date.now() / 1000);
    const links = Array.from({ length: 40_000 }, (_, index) => {
      const plaintext = `SessionID=${900_000_000 + index}&UserType=Patient&ExternalID=P${index}&FirstName=Bench&LastName=Patient&Timestamp=${timestamp}&LinkValidityPeriod=120`;
      return `/launch?key=${encryptionKey}&data=${encodeURIComponent(encryptLaunchData(plaintext, key, 'AES-256-CBC'))}`;
    });
    let next = 0;
    const launchRequests: autocannon.Request[] = [{ setupRequest: (request) => ({ ...request, path: links[next++ % links.length]! }) }];

    await run(app.url, { path: '/api/health', seconds: 3 }); // warm up both routes
    await run(app.url, { requests: launchRequests, seconds: 3 });

    const ceiling = await run(app.url, { path: '/api/health' });
    const launchMax = await run(app.url, { requests: launchRequests });
    const launchBursts = await run(app.url, { requests: launchRequests, rate: TARGET_RATE });
    const paced = await paceLaunches(app.url, () => links[next++ % links.length]!, TARGET_RATE, SECONDS);

    const line = (name: string, result: autocannon.Result, expectedStatus: string) =>
      `${name.padEnd(30)} ${result.requests.average.toFixed(0).padStart(6)} req/s   p50 ${String(result.latency.p50).padStart(4)} ms   p99 ${String(result.latency.p99).padStart(4)} ms   failed ${result.errors + unexpected(result, expectedStatus)}`;
    console.log(`\nbench/launch: ${SECONDS} s per run, ${CONNECTIONS} connections, embedded database (PGlite), next start`);
    console.log(line('ceiling (GET /api/health)', ceiling, '200'));
    console.log(line('launch, as fast as possible', launchMax, '303'));
    console.log(line(`launch, autocannon at ${TARGET_RATE}/s`, launchBursts, '303'));
    console.log(
      `${`launch, evenly paced ${TARGET_RATE}/s`.padEnd(30)} ${paced.rate.toFixed(0).padStart(6)} req/s   p50 ${paced.p50.toFixed(1).padStart(4)} ms   p99 ${paced.p99.toFixed(1).padStart(4)} ms   failed ${paced.failed}`,
    );
    const ratio = launchMax.requests.average / ceiling.requests.average;
    console.log(`\nlaunches/s (max): ${launchMax.requests.average.toFixed(0)}; ceiling ${ceiling.requests.average.toFixed(0)}/s; ratio to ceiling: ${(ratio * 100).toFixed(0)}% (target >= 50%)`);
    console.log(`at ${TARGET_RATE} launches/s, evenly paced: p50 ${paced.p50.toFixed(1)} ms, p99 ${paced.p99.toFixed(1)} ms (target p99 < 30 ms)`);
    console.log(
      `(autocannon's own rate limit sends each second's ${TARGET_RATE} requests as one burst at the start of the second, so its p99 of ${launchBursts.latency.p99} ms measures a queue of ${TARGET_RATE}, not a steady ${TARGET_RATE}/s)`,
    );
  } finally {
    await app.stop();
    if (process.env.BENCH_KEEP_DIR) console.log(`server log kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

function run(url: string, options: { path?: string; requests?: autocannon.Request[]; seconds?: number; rate?: number }): Promise<autocannon.Result> {
  return autocannon({
    url: url + (options.path ?? ''),
    connections: CONNECTIONS,
    duration: options.seconds ?? SECONDS,
    requests: options.requests,
    overallRate: options.rate,
  });
}

/**
 * An open-loop load: one launch every 1000/rate ms, whatever the answers do, with latency counted
 * from when each request was due (so a slow server cannot hide its queue: no coordinated omission).
 */
async function paceLaunches(url: string, nextPath: () => string, rate: number, seconds: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(url);
  const total = rate * seconds;
  const interval = 1000 / rate;
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let index = 0; index < total; index++) {
    const due = started + index * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(
      new Promise<void>((resolve) => {
        const request = http.request({ host: target.hostname, port: target.port, path: nextPath(), agent }, (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode === 303) latencies.push(performance.now() - due);
            else failed++;
            resolve();
          });
        });
        request.on('error', () => {
          failed++;
          resolve();
        });
        request.end();
      }),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), failed };
}

/** Answers other than the expected status (a refused link, a 500) count as failures. */
function unexpected(result: autocannon.Result, expectedStatus: string): number {
  const codes = result.statusCodeStats as Record<string, { count: number }> | undefined;
  return Object.entries(codes ?? {}).filter(([code]) => code !== expectedStatus).reduce((sum, [, stat]) => sum + stat.count, 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
