'use server';

import { revalidatePath } from 'next/cache';
import { writeAudit } from '@/lib/audit/log';
import { requireAccess } from '@/lib/access';
import { db } from '@/lib/db';
import { endMeeting } from '@/lib/visit/meeting-state';
import { visibleMeeting } from '@/lib/visit/visit-list';

/** An admin ends a stuck visit for everyone: audited, and the same as a provider's End. */
export async function endVisitAsAdmin(meetingId: unknown): Promise<{ ok: boolean; message: string }> {
  const access = await requireAccess();
  const admin = access.admin;
  const database = await db();
  const meeting = await visibleMeeting(database, access, meetingId);
  if (!meeting) return { ok: false, message: 'Unknown visit.' };
  const ended = await endMeeting(database, meeting.id, { by: 'admin' });
  if (!ended) return { ok: false, message: 'That visit had already ended.' };
  await writeAudit(database, { actorEmail: admin.email, action: 'visit.end', target: `meeting ${meeting.id}` });
  revalidatePath('/admin/visits');
  return { ok: true, message: 'The visit has ended.' };
}
