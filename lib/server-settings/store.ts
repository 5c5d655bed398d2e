import { eq } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { serverSettings, type ServerSettings } from '@/lib/db/schema';
import type { ServerSettingsFormValues } from '@/lib/server-settings/schema';

/** The one row of server settings; the defaults until an admin saved them. */
export async function readServerSettings(database: Database): Promise<ServerSettings> {
  const [row] = await database.select().from(serverSettings).where(eq(serverSettings.id, 1));
  if (row) return row;
  const [created] = await database.insert(serverSettings).values({ id: 1 }).onConflictDoNothing().returning();
  return created ?? (await database.select().from(serverSettings).where(eq(serverSettings.id, 1)))[0]!;
}

export function serverSettingsFormValues(row: ServerSettings): ServerSettingsFormValues {
  return {
    idleMinutes: String(row.idleMinutes),
    launchLogDays: String(row.launchLogDays),
    notificationDays: String(row.notificationDays),
    participantEventDays: String(row.participantEventDays),
    endedMeetingDays: String(row.endedMeetingDays),
    signInAttemptDays: String(row.signInAttemptDays),
    auditDays: String(row.auditDays),
  };
}
