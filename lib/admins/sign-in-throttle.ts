import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { signInAttempts } from '@/lib/db/schema';

// Password guessing is slowed and then refused, counted in the database so every app server sees
// the same counts. Each attempt is counted before its password is checked (as "pending", which
// counts like a failure), under locks on its address and email, so parallel guesses cannot all
// read the count before any of them is recorded.
//
// What is refused is a pair, not a person: 5 failures for one email from one address refuse that
// pair for 15 minutes, and 20 failures from one address refuse that address. Failures for an email
// from everywhere only slow its sign-ins down (at most MAX_DELAY_MS), so an attacker who knows the
// owner's email cannot lock the owner out: the owner signs in from another address.

export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
export const SLOW_AFTER_FAILURES = 3;
export const LOCK_AFTER_PAIR_FAILURES = 5;
export const LOCK_AFTER_ADDRESS_FAILURES = 20;
export const MAX_DELAY_MS = 4000;

// pg_advisory_xact_lock(class, key): one class per kind of subject, so keys never collide across them.
const ADDRESS_LOCK_CLASS = 72_001;
const EMAIL_LOCK_CLASS = 72_002;

export type SignInVerdict =
  | { kind: 'refuse'; retryAfterMinutes: number; attemptId: number }
  | { kind: 'allow'; delayMs: number; attemptId: number };

/** Counts this attempt and says whether it may go on, and after how long a pause. */
export async function beginSignInAttempt(database: Database, email: string, address: string, now = new Date()): Promise<SignInVerdict> {
  const since = new Date(now.getTime() - THROTTLE_WINDOW_MS);
  return database.transaction(async (tx) => {
    // Always address first, then email: one order everywhere, so two attempts never deadlock.
    await tx.execute(sql`select pg_advisory_xact_lock(${ADDRESS_LOCK_CLASS}, hashtext(${address})), pg_advisory_xact_lock(${EMAIL_LOCK_CLASS}, hashtext(${email}))`);
    const counted = inArray(signInAttempts.outcome, ['failed', 'pending']);
    const [counts] = await tx
      .select({
        pair: sql<number>`count(*) filter (where ${signInAttempts.email} = ${email} and ${signInAttempts.address} = ${address})::int`,
        pairOldest: sql<Date | string | null>`min(${signInAttempts.at}) filter (where ${signInAttempts.email} = ${email} and ${signInAttempts.address} = ${address})`,
        address: sql<number>`count(*) filter (where ${signInAttempts.address} = ${address})::int`,
        addressOldest: sql<Date | string | null>`min(${signInAttempts.at}) filter (where ${signInAttempts.address} = ${address})`,
        email: sql<number>`count(*) filter (where ${signInAttempts.email} = ${email})::int`,
      })
      .from(signInAttempts)
      .where(and(counted, gt(signInAttempts.at, since), sql`(${signInAttempts.email} = ${email} or ${signInAttempts.address} = ${address})`));
    const { pair = 0, address: byAddress = 0, email: byEmail = 0 } = counts ?? {};
    const lockedSince = pair >= LOCK_AFTER_PAIR_FAILURES ? counts?.pairOldest : byAddress >= LOCK_AFTER_ADDRESS_FAILURES ? counts?.addressOldest : null;
    if (lockedSince) {
      const [row] = await tx.insert(signInAttempts).values({ email, address, outcome: 'refused', at: now }).returning({ id: signInAttempts.id });
      const unlocksAt = new Date(lockedSince).getTime() + THROTTLE_WINDOW_MS;
      return { kind: 'refuse', retryAfterMinutes: Math.max(1, Math.ceil((unlocksAt - now.getTime()) / 60_000)), attemptId: row!.id };
    }
    const [row] = await tx.insert(signInAttempts).values({ email, address, outcome: 'pending', at: now }).returning({ id: signInAttempts.id });
    return { kind: 'allow', delayMs: Math.max(delayFor(pair), delayFor(byEmail)), attemptId: row!.id };
  });
}

/** Records how the attempt ended; a success forgives this pair's earlier failures. */
export async function finishSignInAttempt(database: Database, attemptId: number, outcome: 'succeeded' | 'failed' | 'refused'): Promise<void> {
  await database.transaction(async (tx) => {
    const [attempt] = await tx.update(signInAttempts).set({ outcome }).where(eq(signInAttempts.id, attemptId)).returning();
    if (outcome !== 'succeeded' || !attempt) return;
    await tx
      .delete(signInAttempts)
      .where(and(eq(signInAttempts.email, attempt.email), eq(signInAttempts.address, attempt.address), eq(signInAttempts.outcome, 'failed')));
  });
}

/** 1 s after 3 failures, doubling, at most MAX_DELAY_MS. */
function delayFor(failures: number): number {
  return failures < SLOW_AFTER_FAILURES ? 0 : Math.min(MAX_DELAY_MS, 1000 * 2 ** (failures - SLOW_AFTER_FAILURES));
}
