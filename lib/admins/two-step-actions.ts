'use server';

import { eq, isNull } from 'drizzle-orm';
import { revalidatePath } from 'next/cache';
import { withAccess } from '@/lib/access';
import { secondStepSchema, twoStepCodeSchema } from '@/lib/admins/schema';
import { endOtherSessions } from '@/lib/admins/sessions';
import { qrCodePath } from '@/lib/admins/qr-code';
import { beginEnrolment, checkSecondStep, confirmEnrolment, removeTwoStep } from '@/lib/admins/two-step';
import { writeAudit } from '@/lib/audit/log';
import { currentSession, requireSignedIn } from '@/lib/auth';
import { db } from '@/lib/db';
import { admins, serverSettings } from '@/lib/db/schema';
import { fieldErrorsOf } from '@/lib/errors';
import { readServerSettings } from '@/lib/server-settings/store';

// What the Two-step sign-in page (app/(admin)/admin/two-step) and the owner's switch on the Server
// settings page send. Setting up is open to a signed-in admin whose sign-in does not yet meet the
// server's rule (requireSignedIn); everything else goes through the usual access check.

export type TwoStepSetup = { ok: true; secret: string; uri: string; qr: { size: number; path: string } } | { ok: false; message: string };

/** A new secret to scan (or type), kept pending until a code from it comes back. */
export async function startTwoStepSetup(): Promise<TwoStepSetup> {
  const admin = await requireSignedIn();
  const { secret, uri } = await beginEnrolment(await db(), admin);
  return { ok: true, secret, uri, qr: qrCodePath(uri) };
}

export type TwoStepConfirmation = { ok: true; recoveryCodes: string[] } | { ok: false; message: string; fieldErrors?: Record<string, string> };

/** The first code from the app: two-step sign-in is on, and the recovery codes are shown this once. */
export async function confirmTwoStepSetup(input: unknown): Promise<TwoStepConfirmation> {
  const admin = await requireSignedIn();
  const parsed = twoStepCodeSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: 'Enter the 6 digits the app shows.', fieldErrors: fieldErrorsOf(parsed.error) };
  const session = await currentSession();
  const result = await confirmEnrolment(await db(), admin, parsed.data.code, session?.sessionId ?? '');
  // No revalidation here: the page would render its "on" state at once and take the recovery
  // codes off the screen before they were kept; "I have kept them" moves on and refreshes.
  return result.ok ? result : { ...result, fieldErrors: { code: result.message } };
}

/** Turns one's own two-step sign-in off, with a current code or a recovery code; not while the owner requires it. */
export async function turnOffTwoStep(input: unknown): Promise<{ ok: boolean; message: string }> {
  return withAccess({ ownerOnly: false }, async ({ admin }) => {
    const database = await db();
    if ((await readServerSettings(database)).requireTwoStep) return { ok: false, message: 'The owner requires two-step sign-in on this server: it cannot be turned off.' };
    const parsed = secondStepSchema.safeParse(input);
    if (!parsed.success) return { ok: false, message: fieldErrorsOf(parsed.error).code ?? 'Enter a code.' };
    if (!(await checkSecondStep(database, admin, parsed.data.code))) return { ok: false, message: 'That code is not right, or was used already.' };
    await removeTwoStep(database, admin, admin.email, 'turned off by the admin');
    revalidatePath('/admin/two-step');
    return { ok: true, message: 'Two-step sign-in is off. Your password alone now signs you in.' };
  });
}

/** The owner clears an admin's two-step sign-in (a lost phone and lost recovery codes): they set it up again at their next sign-in. */
export async function resetAdminTwoStep(adminId: unknown): Promise<{ ok: boolean; message: string }> {
  return withAccess({ ownerOnly: true }, async ({ admin: owner }) => {
    if (typeof adminId !== 'string' || !/^[0-9a-f-]{36}$/.test(adminId)) return { ok: false, message: 'Unknown admin.' };
    const database = await db();
    const [target] = await database.select().from(admins).where(eq(admins.id, adminId));
    if (!target) return { ok: false, message: 'Unknown admin.' };
    if (!target.totpSecret) return { ok: false, message: `${target.email} has no two-step sign-in to reset.` };
    await removeTwoStep(database, target, owner.email, `reset by the owner ${owner.email}`, { endSessions: true });
    revalidatePath('/admin/users');
    return { ok: true, message: `Two-step sign-in of ${target.email} was reset; their sessions ended.` };
  });
}

/**
 * The owner's switch: every password account must sign in with a second step. Turning it on needs
 * the owner's own two-step sign-in first (or the owner would lock themselves out of this page), and
 * ends every session of an admin who has none: they set it up at their next sign-in.
 */
export async function setRequireTwoStep(input: unknown): Promise<{ ok: boolean; message: string }> {
  return withAccess({ ownerOnly: true }, async ({ admin }) => {
    if (typeof input !== 'boolean') return { ok: false, message: 'Choose on or off.' };
    const database = await db();
    if ((await readServerSettings(database)).requireTwoStep === input) return { ok: true, message: 'Nothing had changed; nothing was saved.' };
    if (input && !admin.totpSecret) return { ok: false, message: 'Set up two-step sign-in for your own account first (Two-step sign-in, above).' };
    let ended = 0;
    await database.transaction(async (tx) => {
      await tx.update(serverSettings).set({ requireTwoStep: input, updatedAt: new Date() }).where(eq(serverSettings.id, 1));
      if (input) {
        const without = await tx.select({ id: admins.id }).from(admins).where(isNull(admins.totpSecret));
        for (const { id } of without) ended += await endOtherSessions(tx, id, null, 'two-step sign-in required by the owner');
      }
      await writeAudit(tx, { actorEmail: admin.email, action: 'server-settings.update', target: 'server', changedFields: ['requireTwoStep'], detail: { requireTwoStep: input, sessionsEnded: ended } });
    });
    revalidatePath('/admin/server');
    return {
      ok: true,
      message: input
        ? `Two-step sign-in is required. ${ended} session${ended === 1 ? '' : 's'} of admins without it ended; they set it up at their next sign-in.`
        : 'Two-step sign-in is no longer required; those who have it keep it.',
    };
  });
}
