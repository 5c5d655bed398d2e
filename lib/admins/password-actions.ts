'use server';

import { eq } from 'drizzle-orm';
import { withAccess } from '@/lib/access';
import { hashPassword } from '@/lib/admins/passwords';
import { changePasswordSchema } from '@/lib/admins/schema';
import { endOtherSessions } from '@/lib/admins/sessions';
import { writeAudit } from '@/lib/audit/log';
import { currentSession, refusalOfCurrentPassword } from '@/lib/auth';
import { db } from '@/lib/db';
import { admins } from '@/lib/db/schema';
import { fieldErrorsOf } from '@/lib/errors';

/**
 * An admin changes their own password: the current one first (checked and throttled as at
 * sign-in), then every other session of theirs ends at once; this browser stays signed in.
 */
export async function changeOwnPassword(input: unknown): Promise<{ ok: boolean; message: string; fieldErrors?: Record<string, string> }> {
  return withAccess({ ownerOnly: false }, async ({ admin }) => {
    const parsed = changePasswordSchema.safeParse(input);
    if (!parsed.success) return { ok: false, message: 'Some fields need attention; the password was not changed.', fieldErrors: fieldErrorsOf(parsed.error) };
    const refusal = await refusalOfCurrentPassword(admin.email, parsed.data.currentPassword);
    if (refusal) return { ok: false, message: 'The password was not changed.', fieldErrors: { currentPassword: refusal } };
    const passwordHash = await hashPassword(parsed.data.newPassword);
    const session = await currentSession();
    const ended = await (await db()).transaction(async (tx) => {
      await tx.update(admins).set({ passwordHash }).where(eq(admins.id, admin.id));
      const count = await endOtherSessions(tx, admin.id, session?.sessionId ?? null, 'password changed');
      await writeAudit(tx, { actorEmail: admin.email, action: 'password.change', target: admin.email, detail: { otherSessionsEnded: count } });
      return count;
    });
    return { ok: true, message: `Password changed. ${ended} other session${ended === 1 ? '' : 's'} of yours ended; this browser stays signed in.` };
  });
}
