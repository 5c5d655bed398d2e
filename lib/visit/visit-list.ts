import { asc, desc, eq, inArray } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { meetings, participants, providers } from '@/lib/db/schema';
import { displayName } from '@/lib/visit/meeting-view';

// What the admin's Visits page shows: the newest meetings with everyone in them, in two queries
// (meetings, then all their participants at once) however many meetings there are.

export const VISIT_LIST_LIMIT = 100;

export interface VisitParticipantSummary {
  id: string;
  userType: string;
  name: string;
  epicUserId: string;
  admission: string;
  connected: boolean;
}

export interface VisitSummary {
  meetingId: string;
  sessionId: string | null;
  conferenceId: string | null;
  state: string;
  /** The provider who started the visit, by name; else the integration's default host email. */
  host: string;
  hostIsProvider: boolean;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  participants: VisitParticipantSummary[];
}

/** The newest meetings first; participants of each in the order they first launched. */
export async function recentVisits(database: Database, limit = VISIT_LIST_LIMIT): Promise<VisitSummary[]> {
  const rows = await database
    .select({
      meeting: meetings,
      hostFirstName: providers.firstName,
      hostLastName: providers.lastName,
    })
    .from(meetings)
    .leftJoin(providers, eq(providers.id, meetings.hostProviderId))
    .orderBy(desc(meetings.createdAt), desc(meetings.id))
    .limit(limit);
  if (rows.length === 0) return [];

  const people = await database
    .select()
    .from(participants)
    .where(
      inArray(
        participants.meetingId,
        rows.map((row) => row.meeting.id),
      ),
    )
    .orderBy(asc(participants.createdAt), asc(participants.id));
  const byMeeting = groupBy(people, (person) => person.meetingId);

  return rows.map(({ meeting, hostFirstName, hostLastName }) => {
    // Set when a provider connected; nulled again if an admin removed that provider's account.
    const hostIsProvider = meeting.hostProviderId !== null;
    return {
      meetingId: meeting.id,
      sessionId: meeting.sessionId,
      conferenceId: meeting.conferenceId,
      state: meeting.state,
      host: hostIsProvider ? displayName({ firstName: hostFirstName, lastName: hostLastName, userType: 'Provider' }) : meeting.defaultHostEmail,
      hostIsProvider,
      createdAt: meeting.createdAt,
      startedAt: meeting.startedAt,
      endedAt: meeting.endedAt,
      participants: (byMeeting.get(meeting.id) ?? []).map((person) => ({
        id: person.id,
        userType: person.userType,
        name: displayName(person),
        epicUserId: person.epicUserId,
        admission: person.admission,
        connected: person.connectionId !== null,
      })),
    };
  });
}

function groupBy<Item, Key>(items: Item[], keyOf: (item: Item) => Key): Map<Key, Item[]> {
  const groups = new Map<Key, Item[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
}
