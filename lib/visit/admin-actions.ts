'use server';

import { revalidatePath } from 'next/cache';
import { writeAudit } from '@/lib/audit/log';
import { eq } from 'drizzle-orm';
import { canSee, requireAccess } from '@/lib/access';
import { meetings } from '@/lib/db/schema';
import { db } from '@/lib/db';
import { endMeeting } from '@/lib/visit/meeting-state';

/** An admin ends a stuck visit for everyone: audited, and the same as a provider's End. */
export async function endVisitAsAdmin(meetingId: unknown): Promise<{ ok: boolean; message: string }> {
  const access = await requireAccess();
  const admin = access.admin;
  if (typeof meetingId !== 'string' || !/^[0-9a-f-]{36}$/.test(meetingId)) return { ok: false, message: 'Unknown visit.' };
  const database = await db();
  const [meeting] = await database.select({ integrationId: meetings.integrationId }).from(meetings).where(eq(meetings.id, meetingId));
  if (!meeting || !canSee(access, meeting.integrationId)) return { ok: false, message: 'Unknown visit.' };
  const ended = await endMeeting(database, meetingId, { by: 'admin' });
  if (!ended) return { ok: false, message: 'That visit had already ended.' };
  await writeAudit(database, { actorEmail: admin.email, action: 'visit.end', target: `meeting ${meetingId}` });
  revalidatePath('/admin/visits');
  return { ok: true, message: 'The visit has ended.' };
}
