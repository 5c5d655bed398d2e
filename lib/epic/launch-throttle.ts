import { env } from '@/lib/env';
import { sharedLimiter } from '@/lib/http/rate-limit';
import { metrics } from '@/lib/metrics';

// /launch is open to anyone, and the key is in every patient's link: what one address can make
// the server do is bounded. Launches per address follow LAUNCH_RATE_PER_MINUTE (a clinic behind
// one NAT address launches many visits; raise it there). Refused launches write a launch-log row
// only while the address (and all addresses together) are within a small budget; the rest are
// counted, in the metric and in the next row that address writes, so a flood of bad links cannot
// bury the integration's log.

/** Rows of refused launches per address: a burst, then one every six seconds. */
const REFUSED_ROWS_PER_ADDRESS = { burst: 20, perSecond: 1 / 6, maxKeys: 10_000 };
/** And for all addresses together, so rotating addresses cannot write without bound either. */
const REFUSED_ROWS_IN_ALL = { burst: 200, perSecond: 2 };
const SUPPRESSED_MAX_KEYS = 10_000;

export type LaunchAdmission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

/** Whether this address may launch now. */
export function admitLaunch(address: string, now = Date.now()): LaunchAdmission {
  const perMinute = env().LAUNCH_RATE_PER_MINUTE;
  const limiter = sharedLimiter(`launch:${perMinute}`, { burst: perMinute, perSecond: perMinute / 60, maxKeys: 50_000 });
  if (limiter.take(address, now)) return { admitted: true };
  return { admitted: false, retryAfterSeconds: Math.max(1, limiter.retryAfterSeconds(address, now)) };
}

/**
 * Whether a refused launch from this address gets its own row; when it does, how many of its
 * refusals went unwritten since the last row (the row says so). Unwritten ones are counted in
 * televisit_launch_log_suppressed_total.
 */
export function refusedRowBudget(address: string, now = Date.now()): { write: boolean; unwrittenBefore: number } {
  const suppressed = suppressedCounts();
  const perAddress = sharedLimiter('launch-log:address', REFUSED_ROWS_PER_ADDRESS);
  const inAll = sharedLimiter('launch-log:all', REFUSED_ROWS_IN_ALL);
  if (perAddress.take(address, now) && inAll.take('all', now)) {
    const unwrittenBefore = suppressed.get(address) ?? 0;
    suppressed.delete(address);
    return { write: true, unwrittenBefore };
  }
  metrics().launchLogSuppressed.inc();
  const count = (suppressed.get(address) ?? 0) + 1;
  suppressed.delete(address);
  suppressed.set(address, count);
  if (suppressed.size > SUPPRESSED_MAX_KEYS) suppressed.delete(suppressed.keys().next().value!);
  return { write: false, unwrittenBefore: 0 };
}

function suppressedCounts(): Map<string, number> {
  const holder = globalThis as typeof globalThis & { __televisitLaunchLogSuppressed?: Map<string, number> };
  return (holder.__televisitLaunchLogSuppressed ??= new Map());
}
