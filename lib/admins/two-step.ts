import { createHash, randomInt } from 'node:crypto';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { writeAudit } from '@/lib/audit/log';
import type { Database } from '@/lib/db/client';
import { adminRecoveryCodes, admins, type Admin } from '@/lib/db/schema';
import { endOtherSessions } from '@/lib/admins/sessions';
import { openSecret, sealSecret } from '@/lib/secrets';

// Two-step sign-in for password accounts: a time-based code (RFC 6238: 6 digits, 30 s, SHA-1, what
// every authenticator app reads from the QR code) or one of ten one-time recovery codes. The secret
// is sealed at rest like the integrations' secrets; recovery codes are stored as hashes (each holds
// 50 random bits, so a plain SHA-256 cannot be searched back). A code is good once: the step it was
// accepted for is kept, and an older or equal step is refused (a code read over a shoulder is spent).

const ISSUER = 'Televisit';
const PERIOD_SECONDS = 30;
/** One step either side: a phone's clock a little off, or a code typed as it changed. */
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const SECRET_FIELD = 'admins.totp_secret';
const PENDING_FIELD = 'admins.totp_pending_secret';

export type SecondStep = 'totp' | 'recovery';

function totpOf(admin: Pick<Admin, 'email'>, base32: string): TOTP {
  return new TOTP({ issuer: ISSUER, label: admin.email, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: Secret.fromBase32(base32) });
}

/** What a person typed, reduced to what matters: digits of a code, or the letters of a recovery code. */
export function normalizeCode(typed: string): string {
  return typed.replace(/[\s-]/g, '').toUpperCase();
}

function recoveryHash(code: string): string {
  return createHash('sha256').update(`televisit-recovery:${normalizeCode(code)}`).digest('base64url');
}

/** Ten codes such as `K7MPQ-2XHRT`, each from a 32-letter alphabet without look-alikes (no 0/O, 1/I). */
function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const letters = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return `${letters.slice(0, 5)}-${letters.slice(5)}`;
  });
}

/** The step a 6-digit code is good for now, or null. */
function acceptedStep(admin: Pick<Admin, 'email'>, base32: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpOf(admin, base32).validate({ token: code, timestamp: now.getTime(), window: WINDOW });
  if (delta === null) return null;
  return TOTP.counter({ period: PERIOD_SECONDS, timestamp: now.getTime() }) + delta;
}

/** Spends the step if no code of it or a later one was accepted before (one update: two racing sign-ins cannot both spend it). */
async function spendStep(database: Database, adminId: string, step: number): Promise<boolean> {
  const spent = await database
    .update(admins)
    .set({ totpLastStep: step })
    .where(and(eq(admins.id, adminId), or(isNull(admins.totpLastStep), lt(admins.totpLastStep, step))))
    .returning({ id: admins.id });
  return spent.length === 1;
}

/**
 * The second step of a sign-in: a current code from the app, or an unused recovery code (marked
 * used here). Null when the code is wrong, spent, or the admin has no two-step sign-in.
 */
export async function checkSecondStep(database: Database, admin: Admin, typed: string, now = new Date()): Promise<SecondStep | null> {
  if (!admin.totpSecret) return null;
  const code = normalizeCode(typed);
  if (/^\d{6}$/.test(code)) {
    const step = acceptedStep(admin, openSecret(admin.totpSecret, SECRET_FIELD), code, now);
    return step !== null && (await spendStep(database, admin.id, step)) ? 'totp' : null;
  }
  if (!/^[A-Z0-9]{10}$/.test(code)) return null;
  const used = await database
    .update(adminRecoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(adminRecoveryCodes.adminId, admin.id), eq(adminRecoveryCodes.codeHash, recoveryHash(code)), isNull(adminRecoveryCodes.usedAt)))
    .returning({ id: adminRecoveryCodes.id });
  return used.length === 1 ? 'recovery' : null;
}

/** A new secret to enrol, kept as pending until a code from it is typed back; what the app needs to read it. */
export async function beginEnrolment(database: Database, admin: Admin): Promise<{ secret: string; uri: string }> {
  const secret = new Secret({ size: 20 }).base32;
  await database.update(admins).set({ totpPendingSecret: sealSecret(secret, PENDING_FIELD) }).where(eq(admins.id, admin.id));
  return { secret, uri: totpOf(admin, secret).toString() };
}

/**
 * Turns two-step sign-in on once a code from the pending secret is typed back: the secret becomes
 * the account's, ten new recovery codes replace any old ones (returned once, never again), and
 * every other session of this admin ends (a session opened with the password alone is not kept).
 */
export async function confirmEnrolment(
  database: Database,
  admin: Admin,
  typed: string,
  keepSessionId: string,
  now = new Date(),
): Promise<{ ok: true; recoveryCodes: string[] } | { ok: false; message: string }> {
  if (!admin.totpPendingSecret) return { ok: false, message: 'Start again: the setup was not found or has finished.' };
  const secret = openSecret(admin.totpPendingSecret, PENDING_FIELD);
  const step = acceptedStep(admin, secret, normalizeCode(typed), now);
  if (step === null) return { ok: false, message: 'That code is not right. Check the app shows Televisit with your email, and type its current 6 digits.' };
  const recoveryCodes = newRecoveryCodes();
  await database.transaction(async (tx) => {
    await tx
      .update(admins)
      .set({ totpSecret: sealSecret(secret, SECRET_FIELD), totpPendingSecret: null, totpLastStep: step })
      .where(eq(admins.id, admin.id));
    await tx.delete(adminRecoveryCodes).where(eq(adminRecoveryCodes.adminId, admin.id));
    await tx.insert(adminRecoveryCodes).values(recoveryCodes.map((code) => ({ adminId: admin.id, codeHash: recoveryHash(code), createdAt: now })));
    const ended = await endOtherSessions(tx, admin.id, keepSessionId, 'two-step sign-in turned on', now);
    await writeAudit(tx, { actorEmail: admin.email, action: 'two-step.enrol', target: admin.email, detail: { otherSessionsEnded: ended } });
  });
  return { ok: true, recoveryCodes };
}

/**
 * Turns an admin's two-step sign-in off: by themselves (with a code, checked by the caller) or by
 * the owner for an admin who lost their phone. With `endSessions`, every session of theirs ends in
 * the same transaction (whoever holds a lost phone may hold a session too).
 */
export async function removeTwoStep(database: Database, target: Admin, actorEmail: string, reason: string, options = { endSessions: false }): Promise<void> {
  await database.transaction(async (tx) => {
    await tx.update(admins).set({ totpSecret: null, totpPendingSecret: null, totpLastStep: null }).where(eq(admins.id, target.id));
    await tx.delete(adminRecoveryCodes).where(eq(adminRecoveryCodes.adminId, target.id));
    if (options.endSessions) await endOtherSessions(tx, target.id, null, `two-step sign-in ${reason}`);
    await writeAudit(tx, { actorEmail, action: 'two-step.remove', target: target.email, detail: { reason } });
  });
}

/** How many recovery codes an admin has left. */
export async function recoveryCodesLeft(database: Database, adminId: string): Promise<number> {
  const [row] = await database
    .select({ left: sql<number>`count(*)::int` })
    .from(adminRecoveryCodes)
    .where(and(eq(adminRecoveryCodes.adminId, adminId), isNull(adminRecoveryCodes.usedAt)));
  return row?.left ?? 0;
}
