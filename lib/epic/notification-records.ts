import { and, asc, desc, eq, gt, gte, lt, lte, ne, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { integrationScope, type Access } from '@/lib/access';
import type { Database } from '@/lib/db/client';
import { notificationAttempts, notifications } from '@/lib/db/schema';

// The Notification Records tab: every call made to Epic, found by meeting ID or Epic session ID.
export const RECORDS_PAGE_SIZE = 50;

const localDateTime = z
  .string()
  .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/, 'Use the date and time picker')
  .refine((value) => !Number.isNaN(Date.parse(`${value}:00Z`)) && new Date(`${value}:00Z`).toISOString().startsWith(value), 'Not a date: use the date and time picker')
  .optional()
  .or(z.literal('').transform(() => undefined));

/** The search, as it sits in the URL (shareable; the back button works). Times are UTC. */
export const recordsSearchSchema = z.object({
  q: z.string().trim().max(200, 'At most 200 characters').optional().default(''),
  failures: z.enum(['1']).optional(),
  from: localDateTime,
  to: localDateTime,
  before: z.coerce.number().int().positive().optional(),
  integration: z.uuid('Not an integration').optional().or(z.literal('').transform(() => undefined)),
});

export type RecordsSearch = z.infer<typeof recordsSearchSchema>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The records of the integrations this admin may see that match the search, newest first. */
export async function searchNotificationRecords(database: Database, access: Access, search: RecordsSearch) {
  const scope = integrationScope(access, notifications.integrationId);
  const conditions: SQL[] = scope ? [scope] : [];
  if (search.integration) conditions.push(eq(notifications.integrationId, search.integration));
  // Meeting IDs are UUIDs and Epic session IDs are not, so each search uses one index.
  if (search.q) conditions.push(recordsOf(search.q));
  // A failure is a notification not delivered, or delivered only after failed attempts.
  if (search.failures) conditions.push(or(ne(notifications.state, 'delivered'), gt(notifications.attempts, 1))!);
  if (search.from) conditions.push(gte(notifications.createdAt, new Date(`${search.from}:00Z`)));
  if (search.to) conditions.push(lte(notifications.createdAt, new Date(`${search.to}:59.999Z`)));
  if (search.before) conditions.push(lt(notifications.seq, search.before));
  const rows = await database
    .select()
    .from(notifications)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(notifications.seq))
    .limit(RECORDS_PAGE_SIZE + 1);
  return { rows: rows.slice(0, RECORDS_PAGE_SIZE), nextBefore: rows.length > RECORDS_PAGE_SIZE ? rows[RECORDS_PAGE_SIZE - 1]!.seq : null };
}

/** One record with its attempts, when this admin may see its integration; else null. */
export async function notificationRecord(database: Database, access: Access, id: string) {
  if (!UUID.test(id)) return null;
  const [notification] = await database
    .select()
    .from(notifications)
    .where(and(eq(notifications.id, id.toLowerCase()), integrationScope(access, notifications.integrationId)));
  if (!notification) return null;
  const attempts = await database.select().from(notificationAttempts).where(eq(notificationAttempts.notificationId, id)).orderBy(asc(notificationAttempts.id));
  return { notification, attempts };
}

/** What an admin reads in the State column. */
export function stateLabel(notification: { state: string; attempts: number }): string {
  if (notification.state === 'pending') return notification.attempts > 0 ? 'retrying' : 'sending';
  if (notification.state === 'not_sent') return 'not sent: no endpoint';
  return notification.state;
}

/** The records of one meeting (a meeting ID) or Epic session (a SessionID): each search uses one index. */
export function recordsOf(q: string): SQL {
  return UUID.test(q) ? eq(notifications.meetingId, q.toLowerCase()) : eq(notifications.sessionId, q);
}
