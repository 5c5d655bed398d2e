import { asc, eq } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { meetings, participants, signals, type Participant } from '@/lib/db/schema';

// What one participant's browser is shown: computed from the database on every change, so any
// app server can answer for any meeting.

export type PatientStage = 'waiting-for-host' | 'waiting-for-admission' | 'in-call';

export interface PeerView {
  participantId: string;
  connectionId: string;
  name: string;
  userType: 'Patient' | 'Provider';
}

export interface MeetingView {
  meetingState: 'waiting' | 'active' | 'ended';
  me: { participantId: string; userType: 'Patient' | 'Provider'; name: string; admission: string; connectionId: string | null };
  /** For patients: where they are. Providers are always in the call. */
  stage: PatientStage | 'removed' | 'ended';
  /** The others this browser should hold a video connection with. */
  peers: PeerView[];
  /** For providers: patients waiting to be admitted, oldest first. */
  waiting: Array<{ participantId: string; name: string; since: string }>;
}

export async function meetingView(database: Database, meetingId: string, participantId: string): Promise<MeetingView | null> {
  const [meeting] = await database.select().from(meetings).where(eq(meetings.id, meetingId));
  if (!meeting) return null;
  const people = await database.select().from(participants).where(eq(participants.meetingId, meetingId)).orderBy(asc(participants.createdAt));
  const me = people.find((person) => person.id === participantId);
  if (!me) {
    // Patient records are deleted when the visit ends; the browser still learns it ended.
    if (meeting.state !== 'ended') return null;
    return { meetingState: 'ended', me: { participantId, userType: 'Patient', name: '', admission: 'waiting', connectionId: null }, stage: 'ended', peers: [], waiting: [] };
  }

  const connected = people.filter((person) => person.connectionId);
  const providerHere = connected.some((person) => person.userType === 'Provider');
  const inCall = (person: Participant) =>
    person.userType === 'Provider' || (person.admission === 'admitted' && providerHere && meeting.state === 'active');

  const stage: MeetingView['stage'] =
    meeting.state === 'ended'
      ? 'ended'
      : me.admission === 'removed'
        ? 'removed'
        : me.userType === 'Provider' || inCall(me)
          ? 'in-call'
          : providerHere
            ? 'waiting-for-admission'
            : 'waiting-for-host';

  return {
    meetingState: meeting.state as MeetingView['meetingState'],
    me: { participantId: me.id, userType: me.userType as PeerView['userType'], name: displayName(me), admission: me.admission, connectionId: me.connectionId },
    stage,
    peers:
      stage === 'in-call'
        ? connected
            .filter((person) => person.id !== me.id && inCall(person))
            .map((person) => ({ participantId: person.id, connectionId: person.connectionId!, name: displayName(person), userType: person.userType as PeerView['userType'] }))
        : [],
    waiting:
      me.userType === 'Provider' && meeting.state !== 'ended'
        ? connected
            .filter((person) => person.userType === 'Patient' && person.admission === 'waiting')
            .map((person) => ({ participantId: person.id, name: displayName(person), since: (person.connectedAt ?? person.createdAt).toISOString() }))
        : [],
  };
}

/**
 * Signals addressed to this connection, taken (deleted) as they are read, so each is delivered
 * once. No id cursor: ids are handed out before commit, so a lower id can commit later.
 */
export async function takeSignals(database: Database, connectionId: string) {
  return database
    .delete(signals)
    .where(eq(signals.toConnection, connectionId))
    .returning({ id: signals.id, from: signals.fromConnection, payload: signals.payload });
}

export function displayName(person: Pick<Participant, 'firstName' | 'lastName' | 'userType'>): string {
  const name = [person.firstName, person.lastName].filter(Boolean).join(' ');
  return name || (person.userType === 'Provider' ? 'Provider' : 'Patient');
}
