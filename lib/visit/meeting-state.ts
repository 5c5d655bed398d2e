import { and, eq, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/lib/db/client';
import { meetings, participantEvents, participants, signals, type Meeting, type Participant } from '@/lib/db/schema';
import { announceMeetingChange } from '@/lib/db/bus';
import { enqueueConnectionStatus } from '@/lib/epic/outbox';

// The visit's state changes. Each runs in one transaction that locks the meeting row first (one
// order everywhere, so no deadlocks), writes a participant event for every connect and
// disconnect, and announces the change to the push streams when it commits.

export type ConnectOutcome = 'connected' | 'ended' | 'removed' | 'missing';

export async function connectParticipant(database: Database, participantId: string, connectionId: string): Promise<ConnectOutcome> {
  return database.transaction(async (tx) => {
    const locked = await lockParticipant(tx, participantId);
    if (!locked) return 'missing';
    const { meeting, participant } = locked;
    if (meeting.state === 'ended') return 'ended';
    if (participant.admission === 'removed') return 'removed';
    const now = new Date();

    await tx
      .update(participants)
      .set({ connectionId, connectedAt: participant.connectionId ? participant.connectedAt : now, lastSeenAt: now })
      .where(eq(participants.id, participant.id));
    // Signals still waiting for a connection this one replaces will never be read.
    if (participant.connectionId) await tx.delete(signals).where(eq(signals.toConnection, participant.connectionId));
    // A reload can open the new stream before the old one closes: still one connection, no event.
    if (!participant.connectionId) await recordEvent(tx, meeting, participant, 'Connected', now);

    if (participant.userType === 'Provider') {
      await tx
        .update(meetings)
        .set({ state: 'active', startedAt: meeting.startedAt ?? now, hostProviderId: participant.providerId ?? meeting.hostProviderId })
        .where(eq(meetings.id, meeting.id));
      if (meeting.admittancePolicy === 'automatic') {
        await tx
          .update(participants)
          .set({ admission: 'admitted' })
          .where(and(eq(participants.meetingId, meeting.id), eq(participants.admission, 'waiting')));
      }
    } else if (meeting.admittancePolicy === 'automatic' && participant.admission === 'waiting' && (await providerPresent(tx, meeting.id))) {
      await tx.update(participants).set({ admission: 'admitted' }).where(eq(participants.id, participant.id));
    }
    await announceMeetingChange(tx, meeting.id);
    return 'connected';
  });
}

/**
 * The stream `connectionId` closed. Nothing happens when a newer stream has replaced it, or, for
 * the stale sweep, when the connection showed signs of life after `seenBefore`.
 */
export async function disconnectParticipant(database: Database, participantId: string, connectionId: string, seenBefore?: Date): Promise<void> {
  await database.transaction(async (tx) => {
    const locked = await lockParticipant(tx, participantId);
    if (!locked || locked.participant.connectionId !== connectionId) return;
    if (seenBefore && locked.participant.lastSeenAt && locked.participant.lastSeenAt >= seenBefore) return;
    await markDisconnected(tx, locked.meeting, locked.participant);
    await announceMeetingChange(tx, locked.meeting.id);
  });
}

/**
 * A stream closed: disconnect, and keep trying for a few minutes while the database is away (a
 * restart), so Epic still hears that this person left. After that the stale sweep covers it.
 */
export function disconnectEventually(database: Database, participantId: string, connectionId: string, attempt = 0): void {
  disconnectParticipant(database, participantId, connectionId).catch((error: unknown) => {
    if (attempt === 0 || attempt === DISCONNECT_RETRIES) console.error('[visit] disconnect failed; retrying:', error instanceof Error ? error.message : error);
    if (attempt >= DISCONNECT_RETRIES) return;
    setTimeout(() => disconnectEventually(database, participantId, connectionId, attempt + 1), Math.min(30_000, 1000 * 2 ** attempt)).unref();
  });
}

const DISCONNECT_RETRIES = 10;

/** Keeps connections alive (one statement for a whole server's streams); returns those still current. */
export async function touchConnections(database: Database, connectionIds: string[]): Promise<Set<string>> {
  if (connectionIds.length === 0) return new Set();
  const touched = await database
    .update(participants)
    .set({ lastSeenAt: new Date() })
    .where(inArray(participants.connectionId, connectionIds))
    .returning({ connectionId: participants.connectionId });
  return new Set(touched.map((row) => row.connectionId!));
}

/**
 * Connections whose server stopped refreshing them (the server died, the network vanished)
 * are disconnected here, so Epic's green light does not stay on.
 */
export async function disconnectStale(database: Database, staleAfterMs: number): Promise<number> {
  const cutoff = new Date(Date.now() - staleAfterMs);
  const stale = await database
    .select({ id: participants.id, connectionId: participants.connectionId })
    .from(participants)
    .where(and(isNotNull(participants.connectionId), lt(participants.lastSeenAt, cutoff)));
  for (const row of stale) await disconnectParticipant(database, row.id, row.connectionId!, cutoff);
  return stale.length;
}

export type ProviderAction = 'admit' | 'remove';

/** A provider admits or removes a waiting patient. */
export async function actOnPatient(database: Database, meetingId: string, actorId: string, patientId: string, action: ProviderAction): Promise<boolean> {
  return database.transaction(async (tx) => {
    const meeting = await lockMeeting(tx, meetingId);
    if (!meeting || meeting.state === 'ended') return false;
    const [actor] = await tx.select().from(participants).where(and(eq(participants.id, actorId), eq(participants.meetingId, meetingId)));
    const [patient] = await tx.select().from(participants).where(and(eq(participants.id, patientId), eq(participants.meetingId, meetingId)));
    if (actor?.userType !== 'Provider' || patient?.userType !== 'Patient') return false;
    if (action === 'admit') {
      await tx.update(participants).set({ admission: 'admitted' }).where(eq(participants.id, patient.id));
    } else {
      await tx.update(participants).set({ admission: 'removed' }).where(eq(participants.id, patient.id));
      if (patient.connectionId) await markDisconnected(tx, meeting, patient);
    }
    await announceMeetingChange(tx, meeting.id);
    return true;
  });
}

/**
 * Ends the visit for everyone: every connected participant is disconnected (with its event), and
 * the patients' records are deleted, as the spec's section 5 asks.
 */
export async function endMeeting(database: Database, meetingId: string, actorId: string): Promise<boolean> {
  return database.transaction(async (tx) => {
    const meeting = await lockMeeting(tx, meetingId);
    if (!meeting || meeting.state === 'ended') return false;
    const everyone = await tx.select().from(participants).where(eq(participants.meetingId, meetingId)).for('update');
    if (everyone.find((person) => person.id === actorId)?.userType !== 'Provider') return false;
    const now = new Date();
    for (const person of everyone) if (person.connectionId) await markDisconnected(tx, meeting, person, now);
    await tx.update(meetings).set({ state: 'ended', endedAt: now }).where(eq(meetings.id, meetingId));
    await tx.delete(participants).where(and(eq(participants.meetingId, meetingId), eq(participants.userType, 'Patient')));
    await tx.delete(signals).where(eq(signals.meetingId, meetingId));
    await announceMeetingChange(tx, meeting.id);
    return true;
  });
}

async function markDisconnected(tx: Transaction, meeting: Meeting, participant: Participant, now = new Date()) {
  await tx.update(participants).set({ connectionId: null, connectedAt: null }).where(eq(participants.id, participant.id));
  await tx.delete(signals).where(eq(signals.toConnection, participant.connectionId!));
  await recordEvent(tx, meeting, participant, 'Disconnected', now);
}

/** The event, and in the same transaction the notification that tells Epic about it. */
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
  await enqueueConnectionStatus(tx, event!);
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
