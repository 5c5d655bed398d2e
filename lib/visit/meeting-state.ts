import { and, eq, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/lib/db/client';
import { chatMessages, guestInvites, integrations, meetings, participantEvents, participants, signals, type Meeting, type Participant } from '@/lib/db/schema';
import { announce, announceMeetingChange } from '@/lib/db/bus';
import { afterRemoval, afterVisitEnded } from '@/lib/media-server/visit-media';
import { roomTopic } from '@/lib/rooms/store';
import { enqueueConnectionStatus } from '@/lib/epic/outbox';
import { mayShareScreen } from '@/lib/visit/policies';
import type { MediaState } from '@/lib/visit/schema';
import { serverId } from '@/lib/visit/server-presence';
import { describeError, log } from '@/lib/log';

// The visit's state changes. Each runs in one transaction that locks the meeting row first (one
// order everywhere, so no deadlocks), writes a participant event for every connect and
// disconnect, and announces the change to the push streams when it commits.

/** gone: this person's place in the visit no longer holds (a room that hung up, was unpaired or replaced). */
export type ConnectOutcome = 'connected' | 'ended' | 'removed' | 'missing' | 'full' | 'gone';

/** `pageId`: the page the stream belongs to (random per page load; null from a client that sends none). */
export async function connectParticipant(database: Database, participantId: string, connectionId: string, pageId: string | null = null): Promise<ConnectOutcome> {
  return database.transaction(async (tx) => {
    const locked = await lockParticipant(tx, participantId);
    if (!locked) return 'missing';
    const { meeting, participant } = locked;
    if (meeting.state === 'ended') return 'ended';
    if (participant.admission === 'removed') return 'removed';
    if (participant.userType === 'Room' && participant.calledAt === null) return 'gone';
    // Someone already connected (a reload, a second device) keeps their place; someone new waits
    // for one while the visit has all the people it can hold.
    if (!participant.connectionId && (await connectedCount(tx, meeting.id)) >= (await largestVisitOf(tx, meeting.integrationId))) return 'full';
    const now = new Date();

    await tx
      .update(participants)
      .set({ connectionId, pageId, serverId: serverId(), connectedAt: participant.connectionId ? participant.connectedAt : now })
      .where(eq(participants.id, participant.id));
    // Signals still waiting for a connection this one replaces will never be read.
    if (participant.connectionId) await tx.delete(signals).where(eq(signals.toConnection, participant.connectionId));
    // A reload can open the new stream before the old one closes: still one connection, no event.
    if (!participant.connectionId) await recordEvent(tx, meeting, participant, 'Connected', now);

    if (participant.userType === 'Provider') {
      await tx
        .update(meetings)
        .set({ state: 'active', startedAt: meeting.startedAt ?? now, hostProviderId: meeting.hostProviderId ?? participant.providerId, emptySince: null })
        .where(eq(meetings.id, meeting.id));
      // Automatic admittance is for Epic's patients; a guest always waits for a provider to admit them.
      if (meeting.admittancePolicy === 'automatic') {
        await tx
          .update(participants)
          .set({ admission: 'admitted' })
          .where(and(eq(participants.meetingId, meeting.id), eq(participants.admission, 'waiting'), eq(participants.userType, 'Patient')));
      }
    } else {
      if (meeting.emptySince) await tx.update(meetings).set({ emptySince: null }).where(eq(meetings.id, meeting.id));
      const admitsItself = participant.userType === 'Patient' && meeting.admittancePolicy === 'automatic';
      if (admitsItself && participant.admission === 'waiting' && (await providerPresent(tx, meeting.id))) {
        await tx.update(participants).set({ admission: 'admitted' }).where(eq(participants.id, participant.id));
      }
    }
    await announceMeetingChange(tx, meeting.id);
    return 'connected';
  });
}

/** The stream `connectionId` closed. Nothing happens when a newer stream has replaced it. */
export async function disconnectParticipant(database: Database, participantId: string, connectionId: string): Promise<void> {
  await database.transaction(async (tx) => {
    const locked = await lockParticipant(tx, participantId);
    if (!locked || locked.participant.connectionId !== connectionId) return;
    await markDisconnected(tx, locked.meeting, locked.participant);
    await announceMeetingChange(tx, locked.meeting.id);
  });
}

/**
 * A newer stream of this participant was given up before it was attached (its browser went away
 * while it connected): the place goes back to `toConnection`, the stream that is still open, if
 * nothing else took it meanwhile. No event: for Epic this person never left.
 */
export async function handBackConnection(database: Database, participantId: string, fromConnection: string, toConnection: string): Promise<boolean> {
  return database.transaction(async (tx) => {
    const locked = await lockParticipant(tx, participantId);
    if (!locked || locked.participant.connectionId !== fromConnection) return false;
    await tx.update(participants).set({ connectionId: toConnection, serverId: serverId() }).where(eq(participants.id, participantId));
    await announceMeetingChange(tx, locked.meeting.id);
    return true;
  });
}

/**
 * A stream closed: disconnect, and keep trying for a few minutes while the database is away (a
 * restart), so Epic still hears that this person left. After that the stale sweep covers it.
 */
export function disconnectEventually(database: Database, participantId: string, connectionId: string, attempt = 0): void {
  disconnectParticipant(database, participantId, connectionId).catch((error: unknown) => {
    if (attempt === 0 || attempt === DISCONNECT_RETRIES) log.error({ area: 'visit', attempt, error: describeError(error) }, 'disconnect failed; retrying');
    if (attempt >= DISCONNECT_RETRIES) return;
    setTimeout(() => disconnectEventually(database, participantId, connectionId, attempt + 1), Math.min(30_000, 1000 * 2 ** attempt)).unref();
  });
}

const DISCONNECT_RETRIES = 10;

export type MediaStateOutcome = 'ok' | 'not_connected' | 'share_not_allowed';

/**
 * What this person's microphone, camera and screen are doing, for the others' tiles. Starting to
 * share is refused unless the integration's policy lets this person share.
 */
export async function setMediaState(database: Database, participantId: string, media: MediaState): Promise<MediaStateOutcome> {
  return database.transaction(async (tx) => {
    const [person] = await tx
      .select({
        meetingId: participants.meetingId,
        userType: participants.userType,
        policy: integrations.screenSharePolicy,
        micOn: participants.micOn,
        cameraOn: participants.cameraOn,
        sharing: participants.sharing,
      })
      .from(participants)
      .innerJoin(meetings, eq(meetings.id, participants.meetingId))
      .innerJoin(integrations, eq(integrations.id, meetings.integrationId))
      // From the page that holds the connection now: a page another device replaced is not heard.
      .where(and(eq(participants.id, participantId), eq(participants.connectionId, media.connectionId)));
    if (!person) return 'not_connected';
    const sharing = media.sharing ?? false;
    if (sharing && !mayShareScreen(person.policy, person.userType)) return 'share_not_allowed';
    // Every page says where it stands when it enters the call: usually what the view says already.
    // Unchanged, nobody's view is read again nor sent (it came while the call was being set up).
    if (person.micOn === media.micOn && person.cameraOn === media.cameraOn && person.sharing === sharing) return 'ok';
    await tx.update(participants).set({ micOn: media.micOn, cameraOn: media.cameraOn, sharing }).where(eq(participants.id, participantId));
    await announceMeetingChange(tx, person.meetingId);
    return 'ok';
  });
}

export type ProviderAction = 'admit' | 'remove' | 'readmit';

/**
 * A provider admits or removes someone who is not a provider (a patient, a guest, a room), or lets
 * a removed one back in (straight into the call). A room let back in is called again.
 */
export async function actOnParticipant(database: Database, meetingId: string, actorId: string, targetId: string, action: ProviderAction): Promise<boolean> {
  const done = await database.transaction(async (tx) => {
    const meeting = await lockMeeting(tx, meetingId);
    if (!meeting || meeting.state === 'ended') return false;
    const [actor] = await tx.select().from(participants).where(and(eq(participants.id, actorId), eq(participants.meetingId, meetingId)));
    const [target] = await tx.select().from(participants).where(and(eq(participants.id, targetId), eq(participants.meetingId, meetingId))).for('update');
    if (actor?.userType !== 'Provider' || !target || target.userType === 'Provider') return false;
    if (action === 'admit' || action === 'readmit') {
      if (action === 'readmit' && target.admission !== 'removed') return false;
      const calledAgain = target.userType === 'Room' && action === 'readmit' ? { calledAt: new Date() } : {};
      await tx.update(participants).set({ admission: 'admitted', ...calledAgain }).where(eq(participants.id, target.id));
      if (target.roomId && action === 'readmit') await announce(tx, roomTopic(target.roomId));
    } else {
      await tx.update(participants).set({ admission: 'removed', ...(target.userType === 'Room' ? { calledAt: null } : {}) }).where(eq(participants.id, target.id));
      // A removed guest's link stops working: nobody can come back in by it (the browser that used
      // it listens for "Let back in", as a removed patient's does).
      if (target.inviteId) await tx.update(guestInvites).set({ revokedAt: new Date() }).where(and(eq(guestInvites.id, target.inviteId), isNull(guestInvites.revokedAt)));
      if (target.connectionId) await markDisconnected(tx, meeting, target);
    }
    await announceMeetingChange(tx, meeting.id);
    return true;
  });
  if (done && action === 'remove') afterRemoval(meetingId, targetId);
  return done;
}

/**
 * A room's device leaves its calls: it hung up (one participant), or it was unpaired or another
 * device was paired in its place (every call of the room). Each such place ends: disconnected, with
 * its event, and not called again until a provider's launch calls the room, so the device's visit
 * cookie opens nothing any more.
 */
export async function endRoomCalls(database: Database, target: { participantId: string } | { roomId: string }): Promise<void> {
  const places = await database
    .select({ id: participants.id })
    .from(participants)
    .where(
      and(
        eq(participants.userType, 'Room'),
        'participantId' in target ? eq(participants.id, target.participantId) : eq(participants.roomId, target.roomId),
        or(isNotNull(participants.calledAt), isNotNull(participants.connectionId)),
      ),
    );
  for (const place of places) {
    await database.transaction(async (tx) => {
      const locked = await lockParticipant(tx, place.id);
      if (!locked) return;
      await tx.update(participants).set({ calledAt: null }).where(eq(participants.id, place.id));
      if (locked.participant.connectionId) await markDisconnected(tx, locked.meeting, locked.participant);
      await announceMeetingChange(tx, locked.meeting.id);
    });
  }
}

/** Why a visit ends, and what must still hold when it is locked (someone may have come back). */
export type EndReason =
  | { by: 'provider'; participantId: string }
  | { by: 'admin' }
  | { by: 'idle'; emptySinceBefore: Date }
  | { by: 'links_expired'; now: Date };

/**
 * Ends the visit for everyone: every connected participant is disconnected (with its event, so
 * Epic hears it), and the patients' records are deleted, as the spec's section 5 asks. Safe to call
 * from several servers at once: the meeting row is locked, and an ended visit is not ended twice.
 */
export async function endMeeting(database: Database, meetingId: string, reason: EndReason): Promise<boolean> {
  const ended = await database.transaction(async (tx) => {
    const meeting = await lockMeeting(tx, meetingId);
    if (!meeting || meeting.state === 'ended') return false;
    const everyone = await tx.select().from(participants).where(eq(participants.meetingId, meetingId)).for('update');
    if (reason.by === 'provider' && everyone.find((person) => person.id === reason.participantId)?.userType !== 'Provider') return false;
    if (reason.by === 'idle' && (meeting.emptySince === null || meeting.emptySince >= reason.emptySinceBefore)) return false;
    if (reason.by === 'links_expired' && (meeting.linksValidUntil === null || meeting.linksValidUntil >= reason.now)) return false;
    const now = new Date();
    for (const person of everyone) if (person.connectionId) await markDisconnected(tx, meeting, person, now);
    await tx.update(meetings).set({ state: 'ended', endedAt: now, endedBy: reason.by, emptySince: now }).where(eq(meetings.id, meetingId));
    await tx.delete(participants).where(and(eq(participants.meetingId, meetingId), eq(participants.userType, 'Patient')));
    // Guests stay on the record by their role (an interpreter was there); their names go with the visit.
    await tx.update(participants).set({ firstName: null, lastName: null }).where(and(eq(participants.meetingId, meetingId), eq(participants.userType, 'Guest')));
    await tx.delete(guestInvites).where(eq(guestInvites.meetingId, meetingId));
    await tx.delete(signals).where(eq(signals.meetingId, meetingId));
    // The chat goes with the visit.
    await tx.delete(chatMessages).where(eq(chatMessages.meetingId, meetingId));
    await announceMeetingChange(tx, meeting.id);
    return true;
  });
  if (ended) afterVisitEnded(meetingId);
  return ended;
}

async function markDisconnected(tx: Transaction, meeting: Meeting, participant: Participant, now = new Date()) {
  await tx.update(participants).set({ connectionId: null, serverId: null, connectedAt: null, sharing: false }).where(eq(participants.id, participant.id));
  await tx.delete(signals).where(eq(signals.toConnection, participant.connectionId!));
  await recordEvent(tx, meeting, participant, 'Disconnected', now);
  // The last one out starts the idle timer (lib/visit/visit-ending.ts).
  if ((await connectedCount(tx, meeting.id)) === 0) await tx.update(meetings).set({ emptySince: now }).where(eq(meetings.id, meeting.id));
}

/** The integration's Largest visit: people connected to one of its visits at once. */
export async function largestVisitOf(tx: Transaction, integrationId: string): Promise<number> {
  const [row] = await tx.select({ largestVisit: integrations.largestVisit }).from(integrations).where(eq(integrations.id, integrationId));
  if (!row) throw new Error(`integration ${integrationId} is gone`);
  return row.largestVisit;
}

async function connectedCount(tx: Transaction, meetingId: string): Promise<number> {
  const [row] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(participants)
    .where(and(eq(participants.meetingId, meetingId), isNotNull(participants.connectionId)));
  return row?.count ?? 0;
}

/**
 * The event, and in the same transaction the notification that tells Epic about it. A room device's
 * and a guest's events are kept like anyone's, but Epic is not told: its UserType is only Patient
 * or Provider, and a guest has no Epic identity.
 */
async function recordEvent(tx: Transaction, meeting: Meeting, participant: Participant, status: 'Connected' | 'Disconnected', at: Date) {
  const [event] = await tx.insert(participantEvents).values({
    integrationId: meeting.integrationId,
    meetingId: meeting.id,
    participantId: participant.id,
    sessionId: participant.sessionId,
    conferenceId: participant.conferenceId,
    epicUserId: participant.epicUserId,
    epicUserIdType: participant.epicUserIdType,
    userType: participant.userType,
    status,
    at,
  }).returning();
  if (participant.userType === 'Patient' || participant.userType === 'Provider') await enqueueConnectionStatus(tx, event!);
}

async function lockMeeting(tx: Transaction, meetingId: string): Promise<Meeting | null> {
  const [meeting] = await tx.select().from(meetings).where(eq(meetings.id, meetingId)).for('update');
  return meeting ?? null;
}

async function lockParticipant(tx: Transaction, participantId: string) {
  // The meeting first, then the participant: the order every change takes, so none deadlock.
  const [meeting] = await tx
    .select()
    .from(meetings)
    .where(eq(meetings.id, sql`(select ${participants.meetingId} from ${participants} where ${participants.id} = ${participantId})`))
    .for('update');
  if (!meeting) return null;
  const [participant] = await tx.select().from(participants).where(eq(participants.id, participantId)).for('update');
  return participant ? { meeting, participant } : null;
}

async function providerPresent(tx: Transaction, meetingId: string): Promise<boolean> {
  const [row] = await tx
    .select({ present: sql<boolean>`true` })
    .from(participants)
    .where(and(eq(participants.meetingId, meetingId), eq(participants.userType, 'Provider'), isNotNull(participants.connectionId)))
    .limit(1);
  return Boolean(row);
}
