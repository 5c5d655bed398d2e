import { db } from '@/lib/db';
import { notFound } from '@/lib/errors';
import { revokeInvite } from '@/lib/visit/guests';
import { withParticipant } from '@/lib/visit/participant-request';

/** A provider revokes a guest link: it stops working, and a guest who came in by it is removed. */
export const DELETE = withParticipant(async (request, { meetingId, session }) => {
  const inviteId = new URL(request.url).pathname.split('/').at(-1) ?? '';
  if (!/^[0-9a-f-]{36}$/.test(inviteId)) throw notFound('That guest link no longer exists');
  await revokeInvite(await db(), meetingId, session.participantId, inviteId);
  return new Response(null, { status: 204 });
}, 'visit guest revoke');
