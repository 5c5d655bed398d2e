import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { signInAttempts } from '@/lib/db/schema';

// Password guessing is slowed and then refused, counted in the database so every app server sees
// the same counts. Each attempt is counted before its password is checked (as "pending", which
// counts like a failure), under locks on its address and email, so parallel guesses cannot all
// read the count before any of them is recorded.
//
// What is refused is never a person:
// - 5 failures for one email from one address refuse that pair for 15 minutes;
// - 20 failures from one address refuse that address;
// - after 3 failures for an email from anywhere, that email's checks are spaced out (1 s, doubling,
//   at most ACCOUNT_SPACING_MAX_MS between two): guesses from many addresses are refused, not queued.
// A known device (a browser that signed in to this account before, lib/admins/known-device.ts) is
// counted on its own: only its own failures refuse it, so neither a stranger's guesses at the email
// nor a busy shared address (a proxy missing from TRUSTED_PROXIES) keep its admin out.

export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
export const SLOW_AFTER_FAILURES = 3;
export const LOCK_AFTER_PAIR_FAILURES = 5;
export const LOCK_AFTER_ADDRESS_FAILURES = 20;
export const ACCOUNT_SPACING_MAX_MS = 10_000;

// pg_advisory_xact_lock(class, key): one class per kind of subject, so keys never collide across them.
const ADDRESS_LOCK_CLASS = 72_001;
const EMAIL_LOCK_CLASS = 72_002;

export type SignInRefusal = 'pair' | 'address' | 'account';

export type SignInVerdict =
  | { kind: 'refuse'; reason: SignInRefusal; retryAfterSeconds: number; attemptId: number }
  | { kind: 'allow'; attemptId: number };

/** Counts this attempt and says whether its password may be checked now. */
export async function beginSignInAttempt(
  database: Database,
  email: string,
  address: string,
  options: { device?: string | null } = {},
  now = new Date(),
): Promise<SignInVerdict> {
  const since = new Date(now.getTime() - THROTTLE_WINDOW_MS);
  // A known device's attempts are recorded under the device, not the address it comes from.
  const subject = options.device ? `device:${options.device}` : address;
  return database.transaction(async (tx) => {
    // Always address first, then email: one order everywhere, so two attempts never deadlock.
    await tx.execute(sql`select pg_advisory_xact_lock(${ADDRESS_LOCK_CLASS}, hashtext(${subject})), pg_advisory_xact_lock(${EMAIL_LOCK_CLASS}, hashtext(${email}))`);
    const counted = inArray(signInAttempts.outcome, ['failed', 'pending']);
    const [counts] = await tx
      .select({
        pair: sql<number>`count(*) filter (where ${signInAttempts.email} = ${email} and ${signInAttempts.address} = ${subject})::int`,
        pairOldest: sql<Date | string | null>`min(${signInAttempts.at}) filter (where ${signInAttempts.email} = ${email} and ${signInAttempts.address} = ${subject})`,
        address: sql<number>`count(*) filter (where ${signInAttempts.address} = ${subject})::int`,
        addressOldest: sql<Date | string | null>`min(${signInAttempts.at}) filter (where ${signInAttempts.address} = ${subject})`,
        email: sql<number>`count(*) filter (where ${signInAttempts.email} = ${email})::int`,
        emailNewest: sql<Date | string | null>`max(${signInAttempts.at}) filter (where ${signInAttempts.email} = ${email})`,
      })
      .from(signInAttempts)
      .where(and(counted, gt(signInAttempts.at, since), sql`(${signInAttempts.email} = ${email} or ${signInAttempts.address} = ${subject})`));
    const { pair = 0, address: byAddress = 0, email: byEmail = 0 } = counts ?? {};
    const refuse = async (reason: SignInRefusal, until: number): Promise<SignInVerdict> => {
      const [row] = await tx.insert(signInAttempts).values({ email, address: subject, outcome: 'refused', at: now }).returning({ id: signInAttempts.id });
      return { kind: 'refuse', reason, retryAfterSeconds: Math.max(1, Math.ceil((until - now.getTime()) / 1000)), attemptId: row!.id };
    };
    if (pair >= LOCK_AFTER_PAIR_FAILURES) return refuse('pair', time(counts?.pairOldest) + THROTTLE_WINDOW_MS);
    if (!options.device) {
      if (byAddress >= LOCK_AFTER_ADDRESS_FAILURES) return refuse('address', time(counts?.addressOldest) + THROTTLE_WINDOW_MS);
      const nextCheck = time(counts?.emailNewest) + accountSpacing(byEmail);
      if (byEmail >= SLOW_AFTER_FAILURES && nextCheck > now.getTime()) return refuse('account', nextCheck);
    }
    const [row] = await tx.insert(signInAttempts).values({ email, address: subject, outcome: 'pending', at: now }).returning({ id: signInAttempts.id });
    return { kind: 'allow', attemptId: row!.id };
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

/** The least time between two checks of one email: 1 s after 3 failures, doubling, at most ACCOUNT_SPACING_MAX_MS. */
export function accountSpacing(failures: number): number {
  return failures < SLOW_AFTER_FAILURES ? 0 : Math.min(ACCOUNT_SPACING_MAX_MS, 1000 * 2 ** (failures - SLOW_AFTER_FAILURES));
}

function time(value: Date | string | null | undefined): number {
  return value ? new Date(value).getTime() : 0;
}
