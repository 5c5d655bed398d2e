'use server';

import { eq } from 'drizzle-orm';
import { revalidatePath } from 'next/cache';
import { endSession } from '@/lib/admins/sessions';
import { requireAccess } from '@/lib/access';
import { db } from '@/lib/db';
import { adminSessions } from '@/lib/db/schema';

/** Ends a session: an admin their own, the owner anyone's. The browser holding it is refused at its next request. */
export async function endAdminSession(sessionId: unknown): Promise<{ ok: boolean; message: string }> {
  const access = await requireAccess();
  if (typeof sessionId !== 'string' || !/^[0-9a-f-]{36}$/.test(sessionId)) return { ok: false, message: 'Unknown session.' };
  const database = await db();
  const [session] = await database.select({ adminId: adminSessions.adminId }).from(adminSessions).where(eq(adminSessions.id, sessionId));
  // Another admin's session is "unknown" to an admin: they do not learn it exists.
  if (!session || (session.adminId !== access.admin.id && !access.isOwner)) return { ok: false, message: 'Unknown session.' };
  const reason = session.adminId === access.admin.id ? 'ended by the admin' : `ended by the owner ${access.admin.email}`;
  const ended = await endSession(database, sessionId, { actorEmail: access.admin.email, reason });
  revalidatePath('/admin/sessions');
  return ended ? { ok: true, message: 'Session ended.' } : { ok: false, message: 'That session had already ended.' };
}
