'use server';

import { revalidatePath } from 'next/cache';
import { writeAudit } from '@/lib/audit/log';
import { requireAdmin } from '@/lib/auth';
import { db } from '@/lib/db';
import { endMeeting } from '@/lib/visit/meeting-state';

/** An admin ends a stuck visit for everyone: audited, and the same as a provider's End. */
export async function endVisitAsAdmin(meetingId: unknown): Promise<{ ok: boolean; message: string }> {
  const admin = await requireAdmin();
  if (typeof meetingId !== 'string' || !/^[0-9a-f-]{36}$/.test(meetingId)) return { ok: false, message: 'Unknown visit.' };
  const database = await db();
  const ended = await endMeeting(database, meetingId, { by: 'admin' });
  if (!ended) return { ok: false, message: 'That visit had already ended.' };
  await writeAudit(database, { actorEmail: admin.email, action: 'visit.end', target: `meeting ${meetingId}` });
  revalidatePath('/admin/visits');
  return { ok: true, message: 'The visit has ended.' };
}
