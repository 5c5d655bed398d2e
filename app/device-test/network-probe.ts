import { NETWORK_PINGS, NETWORK_PROBE_BYTES } from '@/lib/device-test/schema';

// The network check, measured against this app itself: the visit's video goes through the same
// network, so a slow or distant link to here is what the patient will feel.

export interface NetworkMeasure {
  roundTripMs: number;
  /** The lower of upload and download. */
  bitrateKbps: number;
}

// A transfer slower than this is far below the threshold; stop waiting and say so.
const TRANSFER_TIMEOUT_MS = 20_000;
const PING_TIMEOUT_MS = 5_000;

/** Throws when the server cannot be reached at all. */
export async function measureNetwork(): Promise<NetworkMeasure> {
  // The first request also opens the connection; it is not part of the median.
  await ping();
  const roundTrips: number[] = [];
  for (let i = 0; i < NETWORK_PINGS; i++) roundTrips.push(await ping());
  const downloadKbps = await transfer('GET');
  const uploadKbps = await transfer('POST');
  return { roundTripMs: Math.round(median(roundTrips)), bitrateKbps: Math.round(Math.min(downloadKbps, uploadKbps)) };
}

async function ping(): Promise<number> {
  const started = performance.now();
  const response = await fetch(`/api/device-test/ping?t=${Date.now()}`, { cache: 'no-store', signal: AbortSignal.timeout(PING_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`ping answered ${response.status}`);
  return performance.now() - started;
}

/** kbps of one transfer of NETWORK_PROBE_BYTES; a timed-out one counts as at most that size over the timeout. */
async function transfer(method: 'GET' | 'POST'): Promise<number> {
  const body = method === 'POST' ? randomBytes(NETWORK_PROBE_BYTES) : undefined;
  const started = performance.now();
  try {
    const response = await fetch(`/api/device-test/payload?bytes=${NETWORK_PROBE_BYTES}&t=${Date.now()}`, {
      method,
      body,
      cache: 'no-store',
      headers: body ? { 'Content-Type': 'application/octet-stream' } : undefined,
      signal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`payload answered ${response.status}`);
    await response.arrayBuffer();
  } catch (error) {
    if (error instanceof DOMException && error.name === 'TimeoutError') return kbps(NETWORK_PROBE_BYTES, TRANSFER_TIMEOUT_MS);
    throw error;
  }
  return kbps(NETWORK_PROBE_BYTES, performance.now() - started);
}

/** Bits per millisecond are kilobits per second. */
function kbps(bytes: number, ms: number): number {
  return (bytes * 8) / Math.max(ms, 1);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

// Random, so no compression on the way can make the link look faster than it is.
function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  // getRandomValues fills at most 65536 bytes a call.
  for (let offset = 0; offset < length; offset += 65_536) crypto.getRandomValues(bytes.subarray(offset, offset + 65_536));
  return bytes;
}
