import { asc, desc, eq, getTableColumns } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { chatMessages, integrations, meetings, participants, signals, type Meeting, type Participant } from '@/lib/db/schema';
import { mayShareScreen, type MeetingPolicies } from '@/lib/visit/policies';
import { PEER_TO_PEER_LARGEST_VISIT, type GuestRole, type ParticipantType } from '@/lib/visit/schema';

// What one participant's browser is shown. A meeting is read once (a snapshot: the meeting and its
// people) and every browser's view is computed from it in memory, so one change costs one read per
// meeting on each app server, however many push streams it holds (lib/visit/stream-hub.ts).

export type PatientStage = 'waiting-for-host' | 'waiting-for-admission' | 'in-call';
/**
 * ended: over, or gone from the database; gone: this person's place in the visit no longer exists;
 * full: the visit has all the people it can hold (this person was not let in).
 */
export type VisitStage = PatientStage | 'removed' | 'ended' | 'gone' | 'full';

/** Who someone is in the call, as every list and tile shows them: a name, a kind, and a guest's role. */
export interface PersonLabel {
  participantId: string;
  name: string;
  userType: ParticipantType;
  /** A guest's role (Interpreter, …); null for everyone else. */
  role: GuestRole | null;
  /** An interpreter's language, shown beside the name. */
  language: string | null;
}

export interface PeerView extends PersonLabel {
  connectionId: string;
  /** Their page (a reload or another device is a new one; a reconnecting stream keeps it). */
  page: string | null;
  micOn: boolean;
  cameraOn: boolean;
  /** Sharing a screen: the link's second video track is that screen. */
  sharing: boolean;
}

export interface ChatMessage {
  id: number;
  /** The sender's participant ID; null once that record is gone. */
  from: string | null;
  name: string;
  userType: ParticipantType;
  body: string;
  at: string;
}

export interface MeetingView {
  meetingState: Meeting['state'];
  me: PersonLabel & { admission: Participant['admission']; connectionId: string | null };
  /** For patients and guests: where they are. Providers are always in the call. */
  stage: VisitStage;
  /** The others this browser should hold a video connection with. */
  peers: PeerView[];
  /** For providers: patients and guests waiting to be admitted, oldest first. */
  waiting: Array<PersonLabel & { since: string }>;
  /** For providers: people they removed, who can be let back in. */
  removed: PersonLabel[];
  /** What the integration's policies let this person do now. */
  allowed: { shareScreen: boolean; chat: boolean };
  /** How the call's video goes: between the browsers, or through the media server (visits above 4). */
  video: VideoPath;
}

export type VideoPath = 'peer-to-peer' | 'media-server';

/** A chat message as stored: with who may read it (lib/visit/chat.ts). */
export interface ChatRecord extends ChatMessage {
  audience: string[];
}

export interface MeetingSnapshot {
  meeting: Meeting;
  /** In the order they first launched. */
  people: Participant[];
  policies: MeetingPolicies;
  /** The latest chat messages, oldest first; empty when the integration has chat off. */
  chat: ChatRecord[];
}

/** Chat messages a snapshot carries: a person who reconnects sees this much of the chat so far. */
export const CHAT_HISTORY = 200;

export async function readMeetingSnapshot(database: Database, meetingId: string): Promise<MeetingSnapshot | null> {
  const [row] = await database
    .select({ meeting: getTableColumns(meetings), screenShare: integrations.screenSharePolicy, chatEnabled: integrations.chatEnabled, largestVisit: integrations.largestVisit })
    .from(meetings)
    .innerJoin(integrations, eq(integrations.id, meetings.integrationId))
    .where(eq(meetings.id, meetingId));
  if (!row) return null;
  const people = await database.select().from(participants).where(eq(participants.meetingId, meetingId)).orderBy(asc(participants.createdAt), asc(participants.id));
  const chat = row.chatEnabled && row.meeting.state !== 'ended' ? await readChat(database, meetingId) : [];
  return { meeting: row.meeting, people, policies: { screenShare: row.screenShare, chatEnabled: row.chatEnabled, largestVisit: row.largestVisit }, chat };
}

async function readChat(database: Database, meetingId: string): Promise<ChatRecord[]> {
  const rows = await database.select().from(chatMessages).where(eq(chatMessages.meetingId, meetingId)).orderBy(desc(chatMessages.id)).limit(CHAT_HISTORY);
  return rows.reverse().map((row) => ({ id: row.id, from: row.participantId, name: row.senderName, userType: row.senderType, body: row.body, at: row.at.toISOString(), audience: row.audience }));
}

export async function meetingView(database: Database, meetingId: string, participantId: string): Promise<MeetingView> {
  return viewOf(await readMeetingSnapshot(database, meetingId), participantId);
}

/** Visits that may hold more people than browsers can send to each other go through the media server. */
export function videoPathOf(policies: MeetingPolicies): VideoPath {
  return policies.largestVisit > PEER_TO_PEER_LARGEST_VISIT ? 'media-server' : 'peer-to-peer';
}

/** Whether `person` is in the call: providers always; patients once admitted, with a provider there. */
export function isInCall(snapshot: MeetingSnapshot, person: Participant): boolean {
  if (snapshot.meeting.state === 'ended' || person.admission === 'removed' || placeEnded(person)) return false;
  if (person.userType === 'Provider') return true;
  return person.admission === 'admitted' && snapshot.meeting.state === 'active' && providerConnected(snapshot);
}

/** One participant's view of the snapshot; never null, so the browser always learns where it is. */
export function viewOf(snapshot: MeetingSnapshot | null, participantId: string): MeetingView {
  const me = snapshot?.people.find((person) => person.id === participantId);
  if (!snapshot || !me) {
    // Patient records are deleted when the visit ends (spec section 5); the browser still learns it ended.
    const stage = !snapshot || snapshot.meeting.state === 'ended' ? 'ended' : 'gone';
    return {
      meetingState: snapshot?.meeting.state ?? 'ended',
      me: { participantId, userType: 'Patient', name: '', role: null, language: null, admission: 'waiting', connectionId: null },
      stage,
      peers: [],
      waiting: [],
      removed: [],
      allowed: { shareScreen: false, chat: false },
      video: 'peer-to-peer',
    };
  }
  const { meeting, people } = snapshot;
  const connected = people.filter((person) => person.connectionId);
  const stage: VisitStage =
    meeting.state === 'ended'
      ? 'ended'
      : me.admission === 'removed'
        ? 'removed'
        : placeEnded(me)
          ? 'gone'
          : isInCall(snapshot, me)
            ? 'in-call'
            : providerConnected(snapshot)
              ? 'waiting-for-admission'
              : 'waiting-for-host';

  return {
    meetingState: meeting.state,
    me: { ...labelOf(me), admission: me.admission, connectionId: me.connectionId },
    stage,
    peers:
      stage === 'in-call'
        ? connected
            .filter((person) => person.id !== me.id && isInCall(snapshot, person))
            .map((person) => ({ ...labelOf(person), connectionId: person.connectionId!, page: person.pageId, micOn: person.micOn, cameraOn: person.cameraOn, sharing: person.sharing }))
        : [],
    waiting:
      me.userType === 'Provider' && meeting.state !== 'ended'
        ? connected
            .filter((person) => (person.userType === 'Patient' || person.userType === 'Guest') && person.admission === 'waiting')
            .map((person) => ({ ...labelOf(person), since: (person.connectedAt ?? person.createdAt).toISOString() }))
        : [],
    removed: me.userType === 'Provider' && meeting.state !== 'ended' ? people.filter((person) => person.userType !== 'Provider' && person.admission === 'removed').map(labelOf) : [],
    allowed: {
      shareScreen: stage === 'in-call' && mayShareScreen(snapshot.policies.screenShare, me.userType),
      // Only people admitted to the call read and write the chat.
      chat: stage === 'in-call' && snapshot.policies.chatEnabled,
    },
    video: videoPathOf(snapshot.policies),
  };
}

/**
 * Signals addressed to this connection, taken (deleted) as they are read, so each is delivered
 * once. Only signals that crossed app servers are stored; the rest go straight to the stream.
 */
export async function takeSignals(database: Database, connectionId: string) {
  const taken = await database
    .delete(signals)
    .where(eq(signals.toConnection, connectionId))
    .returning({ id: signals.id, from: signals.fromConnection, fromParticipant: signals.fromParticipant, payload: signals.payload });
  // No id cursor when reading: ids are handed out before commit, so a lower id can commit later.
  return taken.sort((a, b) => a.id - b.id);
}

function labelOf(person: Participant): PersonLabel {
  return { participantId: person.id, name: displayName(person), userType: person.userType, role: person.guestRole, language: person.language };
}

export function displayName(person: Pick<Participant, 'firstName' | 'lastName' | 'userType'>): string {
  const name = [person.firstName, person.lastName].filter(Boolean).join(' ');
  return name || person.userType;
}

/** A room whose call is over (it hung up, or was unpaired or replaced): its place is gone until it is called again. */
function placeEnded(person: Participant): boolean {
  return person.userType === 'Room' && person.calledAt === null;
}

function providerConnected(snapshot: MeetingSnapshot): boolean {
  return snapshot.people.some((person) => person.userType === 'Provider' && person.connectionId !== null);
}
