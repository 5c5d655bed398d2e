import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { integrationScope, type Access } from '@/lib/access';
import type { Database } from '@/lib/db/client';
import { notifications } from '@/lib/db/schema';
import { recordsOf } from '@/lib/epic/notification-records';

// The Notification Records tab's picture of delivery health: per hour of the chosen range, how many
// calls went through at once, went through only after retries, or failed; and how long the oldest
// notification still waiting has waited. An analyst sees a broken endpoint without reading rows.

export interface HealthHour {
  hour: Date;
  delivered: number;
  retried: number;
  failed: number;
}

export interface DeliveryHealth {
  hours: HealthHour[];
  /** Age of the oldest notification still pending, in ms; null when none is. */
  oldestPendingMs: number | null;
}

/**
 * Hours in [from, to), every hour present (zeros where nothing happened), of the integrations this
 * admin may see (of one of them, with `integrationId`). At most 7 days.
 */
export async function deliveryHealth(
  database: Database,
  access: Access,
  range: { from: Date; to: Date; integrationId?: string; /** A meeting ID or SessionID: the search of the records. */ q?: string },
  now = new Date(),
): Promise<DeliveryHealth> {
  const { from, to } = range;
  const scope = and(
    integrationScope(access, notifications.integrationId),
    range.integrationId ? eq(notifications.integrationId, range.integrationId) : undefined,
    range.q ? recordsOf(range.q) : undefined,
  );
  const rows = await database
    .select({
      hour: sql<string>`date_trunc('hour', ${notifications.createdAt})`.as('hour'),
      delivered: sql<number>`count(*) filter (where ${notifications.state} = 'delivered' and ${notifications.attempts} <= 1)::int`,
      retried: sql<number>`count(*) filter (where (${notifications.state} = 'delivered' and ${notifications.attempts} > 1) or (${notifications.state} = 'pending' and ${notifications.attempts} > 0))::int`,
      failed: sql<number>`count(*) filter (where ${notifications.state} in ('failed', 'not_sent'))::int`,
    })
    .from(notifications)
    .where(and(gte(notifications.createdAt, from), lt(notifications.createdAt, to), scope))
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  const byHour = new Map(rows.map((row) => [new Date(row.hour).getTime(), row]));
  const hours: HealthHour[] = [];
  for (let hour = floorHour(from); hour < to.getTime(); hour += 3600_000) {
    const row = byHour.get(hour);
    hours.push({ hour: new Date(hour), delivered: row?.delivered ?? 0, retried: row?.retried ?? 0, failed: row?.failed ?? 0 });
  }
  const [oldest] = await database.select({ at: sql<string | null>`min(${notifications.createdAt})` }).from(notifications).where(and(sql`${notifications.state} = 'pending'`, scope));
  return { hours, oldestPendingMs: oldest?.at ? now.getTime() - new Date(oldest.at).getTime() : null };
}

function floorHour(date: Date): number {
  return Math.floor(date.getTime() / 3600_000) * 3600_000;
}
