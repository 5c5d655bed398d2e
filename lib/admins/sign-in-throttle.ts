import { and, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { signInAttempts } from '@/lib/db/schema';

// Guessing passwords is slowed after a few failures and then refused for a while, per email and
// per address, counted in the database so every app server sees the same counts.
export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
export const SLOW_AFTER_FAILURES = 3;
export const LOCK_AFTER_EMAIL_FAILURES = 5;
export const LOCK_AFTER_ADDRESS_FAILURES = 20;
const MAX_DELAY_MS = 4000;

export type ThrottleVerdict = { kind: 'refuse'; retryAfterMinutes: number } | { kind: 'allow'; delayMs: number };

export async function checkSignInThrottle(db: Database, email: string, address: string, now = new Date()): Promise<ThrottleVerdict> {
  const since = new Date(now.getTime() - THROTTLE_WINDOW_MS);
  const [byEmail, byAddress] = await Promise.all([
    failuresSince(db, eq(signInAttempts.email, email), since),
    failuresSince(db, eq(signInAttempts.address, address), since),
  ]);
  const locked =
    byEmail.count >= LOCK_AFTER_EMAIL_FAILURES ? byEmail : byAddress.count >= LOCK_AFTER_ADDRESS_FAILURES ? byAddress : null;
  if (locked?.oldest) {
    const unlocksAt = locked.oldest.getTime() + THROTTLE_WINDOW_MS;
    return { kind: 'refuse', retryAfterMinutes: Math.max(1, Math.ceil((unlocksAt - now.getTime()) / 60_000)) };
  }
  const failures = Math.max(byEmail.count, byAddress.count);
  const delayMs = failures < SLOW_AFTER_FAILURES ? 0 : Math.min(MAX_DELAY_MS, 1000 * 2 ** (failures - SLOW_AFTER_FAILURES));
  return { kind: 'allow', delayMs };
}

export async function recordSignInAttempt(db: Database, email: string, address: string, succeeded: boolean): Promise<void> {
  await db.insert(signInAttempts).values({ email, address, succeeded });
  // A success forgives that email's earlier failures.
  if (succeeded) await db.delete(signInAttempts).where(and(eq(signInAttempts.email, email), eq(signInAttempts.succeeded, false)));
}

async function failuresSince(db: Database, who: ReturnType<typeof eq>, since: Date) {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int`, oldest: sql<Date | null>`min(${signInAttempts.at})` })
    .from(signInAttempts)
    .where(and(who, eq(signInAttempts.succeeded, false), gt(signInAttempts.at, since)));
  return { count: row?.count ?? 0, oldest: row?.oldest ? new Date(row.oldest) : null };
}
