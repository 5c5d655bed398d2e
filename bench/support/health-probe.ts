import { Worker } from 'node:worker_threads';

// The benches' measure of how the server treats everyone else: GET /api/health every 20 ms,
// open-loop (latency counted from when each probe was due, so a stalled server cannot hide its
// queue), on a thread of its own (the load the bench generates cannot delay the probe's clock).

/** A probe unanswered after this long is counted as a timeout, not as a latency. */
export const PROBE_TIMEOUT_MS = 30_000;

export interface HealthProbe {
  /** Latencies of the answered probes, in ms, sorted. */
  latencies: number[];
  /** Probes that failed or were unanswered after PROBE_TIMEOUT_MS. */
  timeouts: number;
  count: number;
}

/** Probes `${baseUrl}/api/health` for `ms`, while `load` (when given) runs to its end too. */
export async function probeHealth(baseUrl: string, ms: number, load?: Promise<unknown>): Promise<HealthProbe> {
  const worker = new Worker(PROBE, { eval: true, workerData: { url: `${baseUrl}/api/health`, ms, timeoutMs: PROBE_TIMEOUT_MS } });
  const result = new Promise<HealthProbe>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const [probe] = await Promise.all([result, load]);
  await worker.terminate();
  probe.latencies.sort((a, b) => a - b);
  return probe;
}

const PROBE = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const target = new URL(workerData.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const latencies = [];
let timeouts = 0;
const probes = [];
const started = performance.now();
(async () => {
  for (let index = 0; performance.now() - started < workerData.ms; index++) {
    const due = started + index * 20;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    probes.push(new Promise((resolve) => {
      const request = http.get({ host: target.hostname, port: target.port, path: target.pathname, agent, timeout: workerData.timeoutMs }, (response) => {
        response.resume();
        response.on('end', () => { latencies.push(performance.now() - due); resolve(); });
      });
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', () => { timeouts++; resolve(); });
    }));
  }
  await Promise.all(probes);
  parentPort.postMessage({ latencies, timeouts, count: probes.length });
})();
`;
