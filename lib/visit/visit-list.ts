import { and, asc, desc, eq, gte, inArray, lt, lte, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { integrationScope, type Access } from '@/lib/access';
import type { Database } from '@/lib/db/client';
import { meetings, notifications, participants, providers, type Meeting } from '@/lib/db/schema';
import { PATIENT_TEXT } from '@/lib/i18n/patient-text';
import { displayName } from '@/lib/visit/meeting-view';
import { MEETING_STATES } from '@/lib/visit/schema';

// The admin's Visits page: a table of meetings, searched by meeting or Epic session ID, filtered
// by state and date, paged by keyset, all in the URL. Each visit lists its people with Epic's
// green light as we last told it (the outcome of the last notification of each).

export const VISITS_PAGE_SIZE = 50;

const day = z
  .string()
  .regex(/^\d{4}-\d\d-\d\d$/, 'Use the date picker')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), 'Not a date: use the date picker')
  .optional()
  .or(z.literal('').transform(() => undefined));

export const visitsSearchSchema = z.object({
  q: z.string().trim().max(200, 'At most 200 characters').optional().default(''),
  state: z.enum(MEETING_STATES).optional().or(z.literal('').transform(() => undefined)),
  from: day,
  to: day,
  /** Keyset cursor: `<created at ISO>|<meeting id>` of the last row of the previous page. */
  before: z
    .string()
    .regex(/^\d{4}-\d\d-\d\dT[\d:.]+Z\|[0-9a-f-]{36}$/, 'Not a page of this list')
    .optional(),
  integration: z.uuid('Not an integration').optional().or(z.literal('').transform(() => undefined)),
});

export type VisitsSearch = z.infer<typeof visitsSearchSchema>;

export interface GreenLight {
  /** What Epic was last told: Connected or Disconnected. */
  status: string;
  /** How that call went: delivered, pending, failed, not_sent. */
  state: string;
  respCode: number | null;
}

export interface VisitParticipantSummary {
  id: string;
  userType: string;
  name: string;
  epicUserId: string;
  /** A guest's role as the call shows it ("Interpreter"); null for everyone else. */
  role: string | null;
  /** An interpreter's language, as the provider gave it. */
  language: string | null;
  /** Patients: waiting, admitted or removed. Providers are never admitted: null. */
  admission: string | null;
  connected: boolean;
  greenLight: GreenLight | null;
}

export interface VisitSummary {
  meetingId: string;
  sessionId: string | null;
  conferenceId: string | null;
  generation: number;
  state: Meeting['state'];
  endedBy: string | null;
  /** The first provider who joined, by name (a later one does not replace them); else the integration's default host email. */
  host: string;
  hostIsProvider: boolean;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  participants: VisitParticipantSummary[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The visits this admin may see that match the search, newest first. */
export async function searchVisits(database: Database, access: Access, search: VisitsSearch): Promise<{ rows: VisitSummary[]; nextBefore: string | null }> {
  const scope = integrationScope(access, meetings.integrationId);
  const conditions: SQL[] = scope ? [scope] : [];
  if (search.integration) conditions.push(eq(meetings.integrationId, search.integration));
  if (search.q) {
    conditions.push(
      UUID.test(search.q)
        ? eq(meetings.id, search.q.toLowerCase())
        : or(eq(meetings.visitKey, search.q), eq(meetings.sessionId, search.q), eq(meetings.conferenceId, search.q))!,
    );
  }
  if (search.state) conditions.push(eq(meetings.state, search.state));
  if (search.from) conditions.push(gte(meetings.createdAt, new Date(`${search.from}T00:00:00Z`)));
  if (search.to) conditions.push(lte(meetings.createdAt, new Date(`${search.to}T23:59:59.999Z`)));
  if (search.before) {
    const [at, id] = search.before.split('|') as [string, string];
    conditions.push(or(lt(meetings.createdAt, new Date(at)), and(eq(meetings.createdAt, new Date(at)), lt(meetings.id, id)))!);
  }
  const rows = await database
    .select({ meeting: meetings, hostFirstName: providers.firstName, hostLastName: providers.lastName })
    .from(meetings)
    .leftJoin(providers, eq(providers.id, meetings.hostProviderId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(meetings.createdAt), desc(meetings.id))
    .limit(VISITS_PAGE_SIZE + 1);
  const page = rows.slice(0, VISITS_PAGE_SIZE);
  const last = page.at(-1);
  const nextBefore = rows.length > VISITS_PAGE_SIZE && last ? `${last.meeting.createdAt.toISOString()}|${last.meeting.id}` : null;
  return { rows: await summarize(database, page), nextBefore };
}

/** The meeting with this id when this admin may see it (its integration is theirs); else null. */
export async function visibleMeeting(database: Database, access: Access, meetingId: unknown): Promise<Meeting | null> {
  if (typeof meetingId !== 'string' || !UUID.test(meetingId)) return null;
  const [meeting] = await database
    .select()
    .from(meetings)
    .where(and(eq(meetings.id, meetingId.toLowerCase()), integrationScope(access, meetings.integrationId)));
  return meeting ?? null;
}

async function summarize(database: Database, rows: Array<{ meeting: Meeting; hostFirstName: string | null; hostLastName: string | null }>): Promise<VisitSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.meeting.id);
  const people = await database.select().from(participants).where(inArray(participants.meetingId, ids)).orderBy(asc(participants.createdAt), asc(participants.id));
  // The last connection-status notification of each participant of these meetings.
  const lights = await database
    .selectDistinctOn([notifications.orderingKey], { orderingKey: notifications.orderingKey, status: notifications.status, state: notifications.state, respCode: notifications.respCode })
    .from(notifications)
    .where(and(inArray(notifications.meetingId, ids), eq(notifications.kind, 'connection_status'), eq(notifications.isTest, false)))
    .orderBy(notifications.orderingKey, desc(notifications.seq));
  const lightOf = new Map(lights.map((light) => [light.orderingKey, light]));
  return rows.map(({ meeting, hostFirstName, hostLastName }) => {
    // Set when a provider connected; nulled again if an admin removed that provider's account.
    const hostIsProvider = meeting.hostProviderId !== null;
    return {
      meetingId: meeting.id,
      sessionId: meeting.sessionId,
      conferenceId: meeting.conferenceId,
      generation: meeting.generation,
      state: meeting.state,
      endedBy: meeting.endedBy,
      host: hostIsProvider ? displayName({ firstName: hostFirstName, lastName: hostLastName, userType: 'Provider' }) : meeting.defaultHostEmail,
      hostIsProvider,
      createdAt: meeting.createdAt,
      startedAt: meeting.startedAt,
      endedAt: meeting.endedAt,
      participants: people
        .filter((person) => person.meetingId === meeting.id)
        .map((person) => {
          const light = lightOf.get(`${meeting.id}:${person.userType}:${person.epicUserId}`);
          return {
            id: person.id,
            userType: person.userType,
            name: displayName(person),
            epicUserId: person.epicUserId,
            role: person.guestRole ? PATIENT_TEXT.en.visit.kinds[person.guestRole] : null,
            language: person.language,
            admission: person.userType === 'Provider' ? null : person.admission,
            connected: person.connectionId !== null,
            greenLight: light ? { status: light.status, state: light.state, respCode: light.respCode } : null,
          };
        }),
    };
  });
}

/** How long a visit has lasted (or lasted), from when a provider started it. */
export function visitDuration(visit: Pick<VisitSummary, 'startedAt' | 'endedAt'>, now = new Date()): string {
  if (!visit.startedAt) return '—';
  const minutes = Math.max(0, Math.round(((visit.endedAt ?? now).getTime() - visit.startedAt.getTime()) / 60_000));
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
