import { and, isNotNull, lt, ne, or } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { meetings } from '@/lib/db/schema';
import { readServerSettings } from '@/lib/server-settings/store';
import { endMeeting } from '@/lib/visit/meeting-state';

// Visits end by themselves (docs/visit-lifecycle.md): when nobody has been connected for the idle
// time (a server setting, 15 minutes by default), and at the latest when the latest launch link
// window seen for the visit has passed. Ending by itself does all that "End visit for everyone"
// does. Every server runs the sweep; the meeting's row lock makes one of them the one that ends it.

/** Visits ended per sweep at most, so one sweep stays short; the next takes the rest. */
const BATCH = 100;

export async function endAbandonedVisits(database: Database, now = new Date()): Promise<{ idle: number; linksExpired: number }> {
  const { idleMinutes } = await readServerSettings(database);
  const emptySinceBefore = new Date(now.getTime() - idleMinutes * 60_000);
  const due = await database
    .select({ id: meetings.id, emptySince: meetings.emptySince, linksValidUntil: meetings.linksValidUntil })
    .from(meetings)
    .where(
      and(
        ne(meetings.state, 'ended'),
        or(and(isNotNull(meetings.emptySince), lt(meetings.emptySince, emptySinceBefore)), and(isNotNull(meetings.linksValidUntil), lt(meetings.linksValidUntil, now))),
      ),
    )
    .limit(BATCH);
  const ended = { idle: 0, linksExpired: 0 };
  for (const meeting of due) {
    // The link window first: it holds even while people are connected.
    if (meeting.linksValidUntil && meeting.linksValidUntil < now) {
      if (await endMeeting(database, meeting.id, { by: 'links_expired', now })) ended.linksExpired++;
    } else if (await endMeeting(database, meeting.id, { by: 'idle', emptySinceBefore })) {
      ended.idle++;
    }
  }
  return ended;
}
