import { z } from 'zod';

// The patient device test (spec section 3): what the page reports, its limits and thresholds.
// Shared by the page (app/device-test) and the route handlers (app/api/device-test).

export const TEST_OUTCOMES = ['Passed', 'Failed', 'NotTested'] as const;
export type TestOutcome = (typeof TEST_OUTCOMES)[number];

/**
 * A round trip under 400 ms keeps one-way delay near 200 ms, where people still talk without
 * stepping on each other (ITU-T G.114 puts the limit for planning at 400 ms one-way).
 */
export const NETWORK_MAX_ROUND_TRIP_MS = 400;
/** About what a two-person WebRTC call needs at low resolution: ~350 kbps video plus audio and overhead. */
export const NETWORK_MIN_BITRATE_KBPS = 500;
/** How many pings the round trip is the median of. */
export const NETWORK_PINGS = 5;
/** Bytes sent each way to measure the bitrate: large enough to leave slow start, small enough for a phone plan. */
export const NETWORK_PROBE_BYTES = 512 * 1024;
/** The most /api/device-test/payload sends or accepts. */
export const PAYLOAD_MAX_BYTES = 2 * 1024 * 1024;

// Generous bounds: they only keep nonsense out of what Epic receives.
const ROUND_TRIP_MAX_MS = 600_000;
const BITRATE_MAX_KBPS = 100_000_000;

const outcome = z.enum(TEST_OUTCOMES, 'Use Passed, Failed or NotTested');

export const deviceTestReportSchema = z.strictObject({
  camera: outcome,
  microphone: outcome,
  speaker: outcome,
  network: z.strictObject({
    result: outcome,
    roundTripMs: z.number().int().min(0).max(ROUND_TRIP_MAX_MS).nullable(),
    bitrateKbps: z.number().int().min(0).max(BITRATE_MAX_KBPS).nullable(),
  }),
});

export type DeviceTestReport = z.infer<typeof deviceTestReportSchema>;

/** Passed when something was tested and every tested check passed; nothing tested is not a pass. */
export function overallResult(report: Pick<DeviceTestReport, 'camera' | 'microphone' | 'speaker'> & { network: { result: TestOutcome } }): 'Passed' | 'Failed' {
  const tested = [report.camera, report.microphone, report.speaker, report.network.result].filter((result) => result !== 'NotTested');
  return tested.length > 0 && tested.every((result) => result === 'Passed') ? 'Passed' : 'Failed';
}

/** The network check's verdict from its two measures. */
export function networkOutcome(roundTripMs: number, bitrateKbps: number): 'Passed' | 'Failed' {
  return roundTripMs < NETWORK_MAX_ROUND_TRIP_MS && bitrateKbps >= NETWORK_MIN_BITRATE_KBPS ? 'Passed' : 'Failed';
}

/** ?bytes= of GET /api/device-test/payload. */
export const payloadQuerySchema = z.object({
  bytes: z
    .string()
    .regex(/^\d{1,9}$/, 'bytes must be a whole number')
    .transform(Number)
    .pipe(z.number().min(1, 'bytes must be at least 1').max(PAYLOAD_MAX_BYTES, `bytes must be at most ${PAYLOAD_MAX_BYTES}`))
    .default(NETWORK_PROBE_BYTES),
});
