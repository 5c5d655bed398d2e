import { db } from '@/lib/db';
import { env } from '@/lib/env';
import { tooManyRequests } from '@/lib/errors';
import { readJsonBody } from '@/lib/http/body';
import { sharedLimiter } from '@/lib/http/rate-limit';
import { guestInviteSchema } from '@/lib/visit/guest-schema';
import { inviteGuest, pendingInvites } from '@/lib/visit/guests';
import { withParticipant } from '@/lib/visit/participant-request';

export const dynamic = 'force-dynamic';

const INVITE_MAX_BYTES = 1024;
// A provider invites as many guests as a visit has room for, at a person's pace.
const invitesPerProvider = () => sharedLimiter('visit-guest-invites', { burst: 10, perSecond: 0.2 });

/** The guest links of this visit that nobody has opened yet (a provider's list, to revoke one). */
export const GET = withParticipant(async (_request, { meetingId, session }) => {
  return Response.json({ invites: await pendingInvites(await db(), meetingId, session.participantId) }, { headers: { 'Cache-Control': 'no-store' } });
}, 'visit guests');

/** A provider in the call invites a guest: the answer carries the one-time guest link. */
export const POST = withParticipant(async (request, { meetingId, session }) => {
  const limiter = invitesPerProvider();
  if (!limiter.take(session.participantId)) throw tooManyRequests(limiter.retryAfterSeconds(session.participantId), 'Too many invitations at once; wait a moment');
  const input = guestInviteSchema.parse(await readJsonBody(request, INVITE_MAX_BYTES));
  const { invite, token } = await inviteGuest(await db(), meetingId, session.participantId, input);
  const link = new URL(`/join/${token}`, env().publicUrl).toString();
  return Response.json({ inviteId: invite.id, link }, { status: 201, headers: { 'Cache-Control': 'no-store' } });
}, 'visit guests');
