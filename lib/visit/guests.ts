import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { guestInvites, meetings, participants, type GuestInvite } from '@/lib/db/schema';
import { announceMeetingChange } from '@/lib/db/bus';
import { AppError } from '@/lib/errors';
import { sign, verify } from '@/lib/signed-token';
import { actOnParticipant } from '@/lib/visit/meeting-state';
import type { GuestInviteInput, PendingInvite } from '@/lib/visit/guest-schema';

// Guests: someone a provider invites from inside the call (an interpreter, family, another
// clinician), who has no Epic identity and no launch link of their own. The provider gets a signed
// guest link; the first browser to open it holds it (as a launch cookie does); anyone else who
// opens it is refused, as is everyone once the visit ends, the link expires or a provider revokes
// it. A guest always waits until a provider admits them, and Epic is never told of them.

/** A guest link lasts as long as a visit's session cookie at most (and no longer than its visit). */
const INVITE_HOURS = 12;
const PURPOSE = 'guest-invite';

/** A provider in the call invites a guest: the invitation, and the token its link carries. */
export async function inviteGuest(database: Database, meetingId: string, providerId: string, input: GuestInviteInput): Promise<{ invite: GuestInvite; token: string }> {
  return database.transaction(async (tx) => {
    const meeting = await lockedOpenMeeting(tx, meetingId);
    await requireConnectedProvider(tx, meetingId, providerId);
    const expiresAt = new Date(Date.now() + INVITE_HOURS * 3600_000);
    const [invite] = await tx
      .insert(guestInvites)
      .values({ meetingId: meeting.id, name: input.name, role: input.role, language: input.role === 'interpreter' ? (input.language ?? null) : null, invitedBy: providerId, expiresAt })
      .returning();
    return { invite: invite!, token: sign(PURPOSE, { i: invite!.id }, INVITE_HOURS * 3600_000) };
  });
}

/** Invitations of this visit that nobody has opened yet, and that still work: for its providers only. */
export async function pendingInvites(database: Database, meetingId: string, providerId: string): Promise<PendingInvite[]> {
  await requireProvider(database, meetingId, providerId);
  const rows = await database
    .select()
    .from(guestInvites)
    .where(and(eq(guestInvites.meetingId, meetingId), isNull(guestInvites.claimedAt), isNull(guestInvites.revokedAt)))
    .orderBy(asc(guestInvites.createdAt));
  const now = Date.now();
  return rows
    .filter((row) => row.expiresAt.getTime() > now)
    .map((row) => ({ inviteId: row.id, name: row.name, role: row.role, language: row.language, createdAt: row.createdAt.toISOString() }));
}

/**
 * A provider revokes a guest link: it stops working at once. A guest who came in by it is removed
 * from the call too (and can be let back in like anyone removed).
 */
export async function revokeInvite(database: Database, meetingId: string, providerId: string, inviteId: string): Promise<void> {
  const guestId = await database.transaction(async (tx) => {
    await lockedOpenMeeting(tx, meetingId);
    await requireProvider(tx, meetingId, providerId);
    const [invite] = await tx
      .update(guestInvites)
      .set({ revokedAt: new Date() })
      .where(and(eq(guestInvites.id, inviteId), eq(guestInvites.meetingId, meetingId)))
      .returning();
    if (!invite) throw new AppError('not_found', 404, 'That guest link no longer exists');
    await announceMeetingChange(tx, meetingId);
    return invite.participantId;
  });
  if (guestId) await actOnParticipant(database, meetingId, providerId, guestId, 'remove');
}

export type ClaimOutcome =
  | { ok: true; meetingId: string; participantId: string }
  | { ok: false; cause: 'bad_token' | 'unknown' | 'expired' | 'revoked' | 'used' | 'visit_ended' };

/**
 * Someone opens a guest link. `holderId` is the guest this browser already is for the link (from
 * the cookie it was given the first time), so the same browser comes back in; any other is refused
 * once the link is used.
 */
export async function claimInvite(database: Database, token: string, holderId: string | null): Promise<ClaimOutcome> {
  const inviteId = inviteIdOf(token);
  if (!inviteId) return { ok: false, cause: 'bad_token' };
  return database.transaction(async (tx) => {
    const [invite] = await tx.select().from(guestInvites).where(eq(guestInvites.id, inviteId)).for('update');
    if (!invite) return { ok: false, cause: 'unknown' } as const;
    const [meeting] = await tx.select({ state: meetings.state }).from(meetings).where(eq(meetings.id, invite.meetingId));
    if (!meeting || meeting.state === 'ended') return { ok: false, cause: 'visit_ended' } as const;
    if (invite.revokedAt) return { ok: false, cause: 'revoked' } as const;
    if (invite.expiresAt.getTime() <= Date.now()) return { ok: false, cause: 'expired' } as const;
    if (invite.participantId) {
      return invite.participantId === holderId ? ({ ok: true, meetingId: invite.meetingId, participantId: invite.participantId } as const) : ({ ok: false, cause: 'used' } as const);
    }
    if (invite.claimedAt) return { ok: false, cause: 'used' } as const;
    const [guest] = await tx
      .insert(participants)
      .values({
        meetingId: invite.meetingId,
        userType: 'Guest',
        epicUserId: `guest:${invite.id}`,
        firstName: invite.name,
        guestRole: invite.role,
        language: invite.language,
        inviteId: invite.id,
        admission: 'waiting',
      })
      .returning({ id: participants.id });
    await tx.update(guestInvites).set({ claimedAt: new Date(), participantId: guest!.id }).where(eq(guestInvites.id, invite.id));
    await announceMeetingChange(tx, invite.meetingId);
    return { ok: true, meetingId: invite.meetingId, participantId: guest!.id } as const;
  });
}

/** The invitation a guest link names, when its signature holds and it has not expired. */
export function inviteIdOf(token: string): string | null {
  const payload = verify(PURPOSE, token);
  return payload && typeof payload.i === 'string' ? payload.i : null;
}

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

async function lockedOpenMeeting(tx: Tx, meetingId: string) {
  const [meeting] = await tx.select().from(meetings).where(eq(meetings.id, meetingId)).for('update');
  if (!meeting || meeting.state === 'ended') throw new AppError('visit_ended', 409, 'This visit has ended');
  return meeting;
}

async function requireProvider(tx: Tx | Database, meetingId: string, providerId: string) {
  const [actor] = await tx.select().from(participants).where(and(eq(participants.id, providerId), eq(participants.meetingId, meetingId)));
  if (actor?.userType !== 'Provider') throw new AppError('refused', 403, 'Only a provider can invite or revoke guests');
  return actor;
}

async function requireConnectedProvider(tx: Tx, meetingId: string, providerId: string) {
  const actor = await requireProvider(tx, meetingId, providerId);
  if (!actor.connectionId) throw new AppError('not_connected', 409, 'Join the visit first');
}
